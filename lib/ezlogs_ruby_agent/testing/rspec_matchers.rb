# frozen_string_literal: true

require "rspec/expectations"

module EzlogsRubyAgent
  module Testing
    # The matchers `require "ezlogs_ruby_agent/rspec"` adds to every example
    # group. See RSpecMatchers#have_logged_event and #have_correlation_flow.
    module RSpecMatchers
      # `have_logged_event("data.change", action: "user.updated",
      # subject: { type: "user", id: "1" }, metadata: a_hash_including(...))`
      #
      # The event type and each attribute (a top-level key of the event)
      # take values or composable matchers. Counts: `.once`, `.twice`,
      # `.exactly(n).times`, `.at_least(n).times`; with none, one or more.
      # The subject of the expectation is an Array of events or captured
      # entries (`EzlogsRubyAgent.captured_events`), EzlogsRubyAgent itself
      # (everything captured), or a block (the events logged while it runs;
      # outside `test_mode` the block runs in one).
      def have_logged_event(event_type = nil, **attributes) # rubocop:disable Naming/PredicateName
        HaveLoggedEvent.new(event_type, attributes)
      end

      # Passes when the events share one flow_id and their parent_event_id
      # links form one tree. `.starting_with("http.request")` names the
      # root's type; `.including("data.change", "job.execution")` types
      # the tree must hold. The subject is as for have_logged_event.
      def have_correlation_flow # rubocop:disable Naming/PredicateName
        HaveCorrelationFlow.new
      end

      # Base of both: where the events come from, and the message's tail.
      class Matcher
        include ::RSpec::Matchers::Composable

        def supports_block_expectations?
          true
        end

        def supports_value_expectations?
          true
        end

        private

        def events_of(actual)
          actual.is_a?(Proc) ? LoggedEvents.during(&actual) : LoggedEvents.of(actual)
        end
      end

      # See RSpecMatchers#have_logged_event.
      class HaveLoggedEvent < Matcher
        # How a spec matches part of a Hash, for failure messages.
        PARTIAL_HASH = "a_hash_including(%s)"

        def initialize(event_type, attributes)
          super()
          @query = EventQuery.new(event_type, attributes, method(:values_match?))
          @count = nil
          @relation = :at_least
        end

        def once = exactly(1)
        def twice = exactly(2)

        def exactly(count)
          @relation = :exactly
          @count = count
          self
        end

        def at_least(count)
          @relation = :at_least
          @count = count
          self
        end

        def times = self

        def matches?(actual)
          @events = events_of(actual)
          @found = @query.select(@events).size
          @relation == :exactly ? @found == @count : @found >= (@count || 1)
        end

        def does_not_match?(actual)
          raise ArgumentError, "expect(...).not_to have_logged_event takes no count" if @count

          !matches?(actual)
        end

        def description
          "log #{@query.describe(method(:description_of))}#{count_words}"
        end

        def failure_message
          hint = FailureHint.new(@query, partial: PARTIAL_HASH, nested: PARTIAL_HASH)
          "expected to #{description}, but #{@found.zero? ? "none" : @found} matched.#{hint.hint(@events)}" \
            "#{hint.compared(@events)}\n\n#{LoggedEvents.report(@events)}"
        end

        def failure_message_when_negated
          "expected not to #{description}, but #{@found} matched.\n\n#{LoggedEvents.report(@events)}"
        end

        private

        def count_words
          case [@relation, @count]
          in [_, nil] then ""
          in [:exactly, 1] then " once"
          in [:exactly, n] then " exactly #{n} times"
          in [:at_least, n] then " at least #{n} times"
          end
        end
      end

      # See RSpecMatchers#have_correlation_flow.
      class HaveCorrelationFlow < Matcher
        include FlowRefinements

        def matches?(actual)
          @block = actual.is_a?(Proc)
          @events = events_of(actual)
          @check = flow_check(@events)
          @check.problems.empty?
        end

        def description
          "form #{flow_check([]).description}"
        end

        def failure_message
          hint = @block ? "" : @check.separate_flows_hint("expect { ... }.to have_correlation_flow")
          "expected the events to #{description}, but #{@check.problems.join("; ")}.#{hint}\n\n" \
            "#{LoggedEvents.report(@events)}"
        end

        def failure_message_when_negated
          "expected the events not to #{description}, but they do.\n\n#{LoggedEvents.report(@events)}"
        end
      end
    end
  end
end
