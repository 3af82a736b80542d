# frozen_string_literal: true

require_relative "testing"

module EzlogsRubyAgent
  # Minitest assertions about logged events, for Minitest::Test and Rails'
  # ActiveSupport::TestCase (`require "ezlogs_ruby_agent/minitest"` includes
  # it in both; include it yourself anywhere `assert` is defined).
  #
  #   assert_logged_event("data.change", action: "user.updated") { user.update!(name: "Ada") }
  #   assert_no_logged_event("job.enqueue") { post :create, params: { ... } }
  #   assert_correlation_flow(starting_with: "http.request", including: ["data.change"])
  #
  # Expected values compare as Testing::ValueMatch says: Hashes key by key,
  # otherwise `===` (a Regexp, a Range, a Class) or `==`.
  module TestHelper
    # How a test matches part of a Hash, for failure messages: a pattern
    # (`value in {model: "User"}`), which leaves other keys out.
    PARTIAL_HASH = "->(value) { value in {%s} }"
    # Inside a pattern, a Hash pattern matches part of a Hash already.
    NESTED_PARTIAL_HASH = "{%s}"

    # Asserts that an event of `event_type` with `attributes` (top-level keys
    # of the event: action, actor, subject, metadata, ...) was logged:
    # `count` times when given, else at least once. With a block, among the
    # events logged while it runs (in a `test_mode` block of its own outside
    # test mode); without, among `events` (default: everything captured).
    # Returns the matching events (Symbol-keyed Hashes).
    def assert_logged_event(event_type, events: nil, count: nil, **attributes, &block)
      query = Testing::EventQuery.new(event_type, attributes, Testing::ValueMatch)
      logged = block ? Testing::LoggedEvents.during(&block) : Testing::LoggedEvents.of(events)
      found = query.select(logged)
      expected = count ? found.size == count : found.any?
      assert(expected, lambda do
        "Expected #{query.describe}#{times(count)}, " \
          "but #{found.empty? ? "none" : found.size} matched.#{hints(query, logged)}\n\n" \
          "#{Testing::LoggedEvents.report(logged)}"
      end)
      found
    end

    # Asserts that no event of `event_type` (any type when nil) with
    # `attributes` was logged; block and `events` as for
    # assert_logged_event.
    def assert_no_logged_event(event_type = nil, events: nil, **attributes, &block)
      query = Testing::EventQuery.new(event_type, attributes, Testing::ValueMatch)
      logged = block ? Testing::LoggedEvents.during(&block) : Testing::LoggedEvents.of(events)
      found = query.select(logged)
      assert(found.empty?, lambda do
        "Expected no #{query.describe.delete_prefix("a ").delete_prefix("an ")}, " \
          "but #{found.size} matched.\n\n#{Testing::LoggedEvents.report(logged)}"
      end)
      nil
    end

    # Asserts that `events` (default: everything captured) share one
    # flow_id and their parent_event_id links form one tree, starting with
    # an event of type `starting_with` and holding events of every type in
    # `including`, when given. With a block, the events logged while it
    # runs, as for assert_logged_event.
    def assert_correlation_flow(events = nil, starting_with: nil, including: [], &block)
      logged = block ? Testing::LoggedEvents.during(&block) : Testing::LoggedEvents.of(events)
      check = Testing::FlowCheck.new(logged, starting_with:, including: Array(including))
      problems = check.problems
      assert(problems.empty?, lambda do
        hint = block ? "" : check.separate_flows_hint("assert_correlation_flow { ... }")
        "Expected the events to form #{check.description}, but #{problems.join("; ")}.#{hint}\n\n" \
          "#{Testing::LoggedEvents.report(logged)}"
      end)
      logged
    end

    private

    def hints(query, logged)
      hint = Testing::FailureHint.new(query, partial: PARTIAL_HASH, nested: NESTED_PARTIAL_HASH)
      "#{hint.hint(logged)}#{hint.compared(logged)}"
    end

    def times(count)
      case count
      when nil then ""
      when 1 then " once"
      else " #{count} times"
      end
    end
  end
end
