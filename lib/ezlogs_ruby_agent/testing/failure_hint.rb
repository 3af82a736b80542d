# frozen_string_literal: true

module EzlogsRubyAgent
  module Testing
    # What a failed `have_logged_event` / `assert_logged_event` adds to its
    # message: why an event that looks right did not match, with code that
    # would match it, and what the events of the expected type had.
    class FailureHint
      # Events whose values `compared` shows, and each value's length.
      SHOWN = 5
      SHOWN_CHARS = 1_000

      # `partial` and `nested`: how the framework matches part of a Hash,
      # for an attribute and inside one: formats taking `key: value, ...`.
      def initialize(query, partial:, nested:)
        @query = query
        @partial = partial
        @nested = nested
      end

      # A hint for a query that matched none of `events` only because it
      # wrote a key, an id or a value otherwise than events hold it (keys
      # as Symbols, ids and Symbol values as Strings, as a collector reads
      # them), or only because a Hash it gave, at any depth, named some of
      # the keys (a Hash is compared whole), or both; else that a record's
      # change waits for a transaction of the test's own (TypeHint). ""
      # when there is nothing to say.
      def hint(events)
        type_hint = TypeHint.new(@query.event_type)
        return type_hint.hint(events) if @query.of_type(events).empty?

        given = @query.attributes
        as_json = given.transform_values { |value| as_json(value) }
        hint = as_json == given ? part_hints(events, given) : strings_hint(events, given, as_json)
        hint.empty? ? type_hint.uncommitted : hint
      end

      STRINGS = "Events hold keys as Symbols, and ids and Symbol values as Strings"

      # The values the events of the query's type had for the attributes
      # it names (up to SHOWN events); "" when no event has its type.
      def compared(events)
        of_type = @query.attributes.empty? ? [] : @query.of_type(events)
        return "" if of_type.empty?

        lines = of_type.first(SHOWN).map { |event| "  #{event[:event_type]}  #{event[:action]}  #{values(event)}" }
        lines << "  (#{of_type.size - SHOWN} more)" if of_type.size > SHOWN
        "\n\nWhat #{of_type.size == 1 ? "it" : "they"} had:\n#{lines.join("\n")}"
      end

      private

      # The hint for a query whose attributes events hold otherwise
      # (`as_json`: as they hold them): that alone explains the failure, or
      # part of a Hash alone, or both.
      def strings_hint(events, given, as_json)
        return " #{STRINGS}: write #{pairs(as_json)}." if events.any? { |event| @query.match?(event, as_json) }

        hint = part_hints(events, given)
        return hint unless hint.empty?

        hint = part_hints(events, as_json)
        hint.empty? ? "" : " #{STRINGS}.#{hint}"
      end

      # Each attribute named, as the event has it: for a Hash expected, the
      # keys it names, unless they are as expected (the keys it does not
      # name are then why it failed: it is shown whole).
      def values(event)
        @query.attributes.map { |key, expected| "#{key}: #{value(event[key], expected)}" }.join("  ")
      end

      def value(actual, expected)
        if sliced?(actual, expected)
          named = actual.slice(*expected.keys.map { |key| ValueMatch.key(key) })
          more = " (of #{actual.size} keys)" if named.size < actual.size
        end
        text = (named || actual).inspect
        "#{text.length > SHOWN_CHARS ? "#{text[0, SHOWN_CHARS]}..." : text}#{more}"
      end

      def sliced?(actual, expected)
        expected.is_a?(Hash) && actual.is_a?(Hash) && !hash_in_part?(actual, expected)
      end

      def pairs(hash)
        hash.map { |key, value| "#{key}: #{value.inspect}" }.join(", ")
      end

      # The hint for the first of `events` that `attributes` match in part.
      def part_hints(events, attributes)
        event = events.find { |candidate| match_in_part?(candidate, attributes) }
        event ? part_hint(event, attributes) : ""
      end

      # Whether `event` matches if each Hash given, at any depth (in an
      # Array too), is matched by the keys it names.
      def match_in_part?(event, attributes)
        return false unless attributes.any? { |_, expected| expected.is_a?(Hash) }

        @query.match?(event, attributes.reject { |_, expected| expected.is_a?(Hash) }) &&
          attributes.all? { |key, expected| !expected.is_a?(Hash) || in_part?(event[key], expected) }
      end

      def in_part?(actual, expected)
        case expected
        when Hash then actual.is_a?(Hash) && hash_in_part?(actual, expected)
        when Array then actual.is_a?(Array) && array_in_part?(actual, expected)
        else @query.matches.call(expected, actual)
        end
      end

      def hash_in_part?(actual, expected)
        expected.all? do |key, value|
          actual.key?(ValueMatch.key(key)) && in_part?(actual[ValueMatch.key(key)], value)
        end
      end

      def array_in_part?(actual, expected)
        actual.size == expected.size && expected.zip(actual).all? { |value, item| in_part?(item, value) }
      end

      def part_hint(event, attributes)
        key, expected = attributes.find do |name, value|
          value.is_a?(Hash) && !@query.matches.call(value, event[name])
        end
        more = ExtraKeys.of(event[key], expected)
        return "" if more.empty? # not the keys left out, then

        code = HashCode.pairs(expected, @nested)
        how = code ? "write #{key}: #{format(@partial, code)}" : "match part of it"
        " A Hash is compared whole, and a #{event[:event_type].inspect} event (#{event[:action]}) has #{key}: with " \
          "more keys (#{ExtraKeys.listed(more)}): name them all, or #{how}."
      end

      # `value` as an event holds it: keys as Symbols, an id (`id`, `*_id`)
      # given as an Integer and a Symbol as Strings, in Hashes and Arrays
      # too.
      def as_json(value, key = nil)
        return value.to_h { |name, item| [ValueMatch.key(name), as_json(item, name)] } if value.is_a?(Hash)
        return value.map { |item| as_json(item) } if value.is_a?(Array)

        string?(value, key) ? value.to_s : value
      end

      ID_KEY = /\A(?:id|.+_id)\z/

      def string?(value, key)
        value.is_a?(Symbol) || (value.is_a?(Integer) && ID_KEY.match?(key.to_s))
      end
    end
  end
end
