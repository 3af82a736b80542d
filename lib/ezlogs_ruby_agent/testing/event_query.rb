# frozen_string_literal: true

module EzlogsRubyAgent
  module Testing
    # Which events an expectation such as `have_logged_event("data.change",
    # action: "user.updated")` is about: the event type, then each
    # attribute (a top-level key of the event: action, actor, subject,
    # metadata, correlation, ...) compared with `matches`, a callable
    # `(expected, actual) -> bool` (RSpec's values_match? in RSpec, so that
    # `a_hash_including` and friends compose; ValueMatch in Minitest).
    class EventQuery
      attr_reader :event_type, :attributes

      def initialize(event_type, attributes, matches)
        @event_type = event_type
        @attributes = attributes.transform_keys(&:to_sym)
        @matches = matches
      end

      def select(events)
        events.select { |event| match?(event) }
      end

      # 'a "data.change" event with action: "user.updated"'
      def describe(describe_value = :inspect.to_proc)
        kind = event_type ? "a #{describe_value.call(event_type)} event" : "an event"
        return kind if attributes.empty?

        "#{kind} with #{attributes.map { |key, value| "#{key}: #{describe_value.call(value)}" }.join(", ")}"
      end

      # A hint for a query that matched none of `events` only because it
      # gave an id as an Integer (ids in events are Strings, as a collector
      # reads them), or only because a Hash it gave named some of the keys
      # (a Hash is compared whole). `partial`: how the framework matches
      # part of a Hash, a format taking `key: value, ...`. "" when there is
      # nothing to say.
      def hint(events, partial:)
        as_strings = attributes.transform_values { |value| ids_as_strings(value) }
        if as_strings != attributes && events.any? { |event| match?(event, as_strings) }
          return " Ids in events are Strings: write #{pairs(as_strings)}."
        end

        event = events.find { |candidate| match_in_part?(candidate) }
        event ? part_hint(event, partial) : ""
      end

      private

      def pairs(hash)
        hash.map { |key, value| "#{key}: #{value.inspect}" }.join(", ")
      end

      # Whether `event` matches if each Hash given is matched by the keys it
      # names.
      def match_in_part?(event)
        return false unless attributes.any? { |_, expected| expected.is_a?(Hash) }

        match?(event, attributes.reject { |_, expected| expected.is_a?(Hash) }) &&
          attributes.all? { |key, expected| !expected.is_a?(Hash) || includes?(event[key], expected) }
      end

      def includes?(actual, expected)
        actual.is_a?(Hash) &&
          expected.all? { |key, value| actual.key?(key.to_sym) && @matches.call(value, actual[key.to_sym]) }
      end

      def part_hint(event, partial)
        key, expected = attributes.find { |name, value| value.is_a?(Hash) && !@matches.call(value, event[name]) }
        more = event[key].keys - expected.keys.map(&:to_sym)
        code = literal_pairs(expected)
        how = code ? "write #{key}: #{format(partial, code)}" : "match part of it"
        " A Hash is compared whole, and a #{event[:event_type].inspect} event (#{event[:action]}) has #{key}: with " \
          "more keys (#{more.join(", ")}): name them all, or #{how}."
      end

      # "model: \"User\", params: {id: \"1\"}": the Hash's entries as Ruby
      # code that a pattern and a method call both take; nil when a value
      # cannot be written so (a Proc, a matcher).
      def literal_pairs(hash)
        pairs = hash.map do |key, value|
          code = literal(value)
          return nil unless code && key.to_s.match?(/\A[a-z_]\w*\z/i)

          "#{key}: #{code}"
        end
        pairs.join(", ")
      end

      # Values whose `inspect` is the code that makes them.
      WRITTEN_AS_INSPECTED = [String, Symbol, Integer, Regexp, TrueClass, FalseClass, NilClass].freeze

      def literal(value)
        case value
        when Hash then literal_hash(value)
        when Array then literal_array(value)
        when Module then value.name
        when *WRITTEN_AS_INSPECTED then value.inspect
        end
      end

      def literal_hash(hash)
        pairs = literal_pairs(hash)
        "{#{pairs}}" if pairs
      end

      def literal_array(array)
        items = array.map { |item| literal(item) }
        "[#{items.join(", ")}]" if items.all?
      end

      def ids_as_strings(value)
        return value unless value.is_a?(Hash)

        value.to_h do |key, item|
          id = (key.to_s == "id" || key.to_s.end_with?("_id")) && item.is_a?(Integer)
          [key, id ? item.to_s : ids_as_strings(item)]
        end
      end

      def match?(event, attributes = self.attributes)
        (event_type.nil? || @matches.call(event_type, event[:event_type])) &&
          attributes.all? { |key, expected| @matches.call(expected, event[key]) }
      end
    end

    # How Minitest's assertions compare an expected value with an event's:
    # Hashes key by key (Symbol or String keys alike) and Arrays item by
    # item, each with the same rule; otherwise `===` (a Regexp, a Range, a
    # Class, a Proc) or `==`.
    module ValueMatch
      module_function

      def call(expected, actual)
        case expected
        when Hash then hash_match?(expected, actual)
        when Array then array_match?(expected, actual)
        else expected === actual || expected == actual # rubocop:disable Style/CaseEquality
        end
      end

      def hash_match?(expected, actual)
        actual.is_a?(Hash) && actual.size == expected.size &&
          expected.all? { |key, value| actual.key?(key.to_sym) && call(value, actual[key.to_sym]) }
      end

      def array_match?(expected, actual)
        actual.is_a?(Array) && actual.size == expected.size &&
          expected.zip(actual).all? { |value, item| call(value, item) }
      end
    end
  end
end
