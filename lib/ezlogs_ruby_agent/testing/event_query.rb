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
      attr_reader :event_type, :attributes, :matches

      def initialize(event_type, attributes, matches)
        @event_type = event_type
        @attributes = attributes.transform_keys(&:to_sym)
        @matches = matches
      end

      def select(events)
        events.select { |event| match?(event) }
      end

      # The events of the query's type.
      def of_type(events)
        events.select { |event| event_type.nil? || @matches.call(event_type, event[:event_type]) }
      end

      # 'a "data.change" event with action: "user.updated"'
      def describe(describe_value = :inspect.to_proc)
        kind = event_type ? "a #{describe_value.call(event_type)} event" : "an event"
        return kind if attributes.empty?

        "#{kind} with #{attributes.map { |key, value| "#{key}: #{describe_value.call(value)}" }.join(", ")}"
      end

      # Whether `event` has the query's type and `attributes`.
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

      # The key an event's Hash has for `key`: a Symbol (events are read
      # from JSON, whose keys are Strings, and symbolized), whatever the
      # test wrote (a String, an Integer).
      def key(key)
        key.to_s.to_sym
      end

      def call(expected, actual)
        case expected
        when Hash then hash_match?(expected, actual)
        when Array then array_match?(expected, actual)
        else expected === actual || expected == actual # rubocop:disable Style/CaseEquality
        end
      end

      def hash_match?(expected, actual)
        actual.is_a?(Hash) && actual.size == expected.size &&
          expected.all? { |key, value| actual.key?(key(key)) && call(value, actual[key(key)]) }
      end

      def array_match?(expected, actual)
        actual.is_a?(Array) && actual.size == expected.size &&
          expected.zip(actual).all? { |value, item| call(value, item) }
      end
    end
  end
end
