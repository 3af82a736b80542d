# frozen_string_literal: true

require_relative "testing"

module EzlogsRubyAgent
  # 0.1.19's matchers, with their names: `include
  # EzlogsRubyAgent::TestHelpers::Matchers` in a spec, then
  # `expect(EzlogsRubyAgent.captured_events).to include_data_change`.
  # Each takes captured entries or event Hashes. They are plain matcher
  # objects (matches?, failure_message), as they were; the matchers of
  # `require "ezlogs_ruby_agent/rspec"` (have_logged_event,
  # have_correlation_flow with its refinements) say more.
  module TestHelpers
    # The matcher methods, to include in an example group.
    module Matchers
      # The events belong to one flow: they share correlation.flow_id.
      # 0.1.19 compared correlation_id, which now differs between a
      # request's event and the events inside it; the flow is what stays.
      # (`require "ezlogs_ruby_agent/rspec"`'s have_correlation_flow also
      # checks that their parent links form one tree.)
      def have_correlation_flow = CorrelationFlowMatcher.new # rubocop:disable Naming/PredicateName
      def include_http_request = HttpRequestMatcher.new
      def include_data_change = DataChangeMatcher.new
      def include_job_execution = JobExecutionMatcher.new
      def have_event_count(count) = EventCountMatcher.new(count) # rubocop:disable Naming/PredicateName

      # Every event carries `id` as its correlation_id or, the id a whole
      # flow shares, its primary_correlation_id.
      def have_correlation_id(id) = CorrelationIdMatcher.new(id) # rubocop:disable Naming/PredicateName
    end

    # What the matchers share: the events, and messages that show them.
    class Matcher
      def matches?(actual)
        @events = Testing::LoggedEvents.of(actual)
        holds?
      end

      def failure_message = "expected #{description}\n#{Testing::LoggedEvents.report(@events)}"
      def failure_message_when_negated = "expected not #{description}\n#{Testing::LoggedEvents.report(@events)}"
    end

    # See Matchers#have_correlation_flow. It also takes the refinements of
    # `require "ezlogs_ruby_agent/rspec"`'s matcher of the same name, which
    # it replaces in a group that includes both: `.starting_with(type)`
    # (which checks the tree too: the type is its root's) and
    # `.including(*types)`.
    class CorrelationFlowMatcher < Matcher
      include Testing::FlowRefinements

      def description = flow_check([]).description

      def holds?
        @problems = flow_check(@events).problems
        @problems.empty?
      end

      def failure_message
        "expected #{description}, but #{@problems.join("; ")}\n#{Testing::LoggedEvents.report(@events)}"
      end

      private

      def flow_check(events) = super(events, tree: !@starting_with.nil?)
    end

    # Some event has the type.
    class EventTypeMatcher < Matcher
      def initialize(event_type)
        super()
        @event_type = event_type
      end

      def description = "events including a #{@event_type} event"
      def holds? = @events.any? { |event| event[:event_type] == @event_type }
    end

    # Exactly that many events.
    class EventCountMatcher < Matcher
      def initialize(count)
        super()
        @count = count
      end

      def description = "#{@count} events"
      def holds? = @events.size == @count
    end

    # See Matchers#have_correlation_id.
    class CorrelationIdMatcher < Matcher
      def initialize(id)
        super()
        @id = id
      end

      def description = "every event with correlation id #{@id.inspect}"

      def holds?
        @events.all? do |event|
          correlation = event[:correlation] || {}
          [correlation[:correlation_id], correlation[:primary_correlation_id]].include?(@id)
        end
      end
    end

    # include_http_request, include_data_change, include_job_execution.
    class HttpRequestMatcher < EventTypeMatcher
      def initialize = super("http.request")
    end

    # See HttpRequestMatcher.
    class DataChangeMatcher < EventTypeMatcher
      def initialize = super("data.change")
    end

    # See HttpRequestMatcher.
    class JobExecutionMatcher < EventTypeMatcher
      def initialize = super("job.execution")
    end
  end
end
