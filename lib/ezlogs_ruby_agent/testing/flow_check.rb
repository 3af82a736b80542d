# frozen_string_literal: true

module EzlogsRubyAgent
  module Testing
    # What `have_correlation_flow` and `assert_correlation_flow` check:
    # the events share one `correlation.flow_id`, and their
    # `correlation.parent_event_id` links form one tree (one root, every
    # other event reached from it); optionally, the root's event type and
    # event types the tree must contain. With `tree: false`, the flow alone
    # (0.1.19's matcher: events of a flow started with `start_flow` share
    # it without a root event).
    class FlowCheck
      def initialize(events, starting_with: nil, including: [], tree: true)
        @events = events
        @starting_with = starting_with
        @including = including
        @tree = tree
      end

      # What is wrong, one sentence each; empty when the flow holds.
      def problems
        return ["no events were captured"] if @events.empty?

        [*flow_problems, *(tree_problems if @tree), *content_problems]
      end

      # For a failure over everything captured, when the events form more
      # than one flow or tree: how to check only what the code under test
      # logged (`block_form`: the framework's block form). "" otherwise.
      def separate_flows_hint(block_form)
        return "" unless flow_ids.uniq.size > 1 || (@tree && roots.size > 1)

        " Events logged before the code under test (records a test's setup made) are flows of their own: " \
          "pass the code as a block (#{block_form}) to check only what it logs."
      end

      # 'one flow starting with "http.request", including "data.change"'
      def description
        [
          "one correlation flow",
          (@starting_with && "starting with #{@starting_with.inspect}"),
          ("including #{@including.map(&:inspect).join(", ")}" if @including.any?)
        ].compact.join(", ")
      end

      private

      def flow_problems
        flows = flow_ids
        problems = []
        problems << "#{flows.count(nil)} of #{flows.size} events have no correlation.flow_id" if flows.include?(nil)
        distinct = flows.compact.uniq
        problems << "the events belong to #{distinct.size} flows (#{distinct.join(", ")}), not one" if distinct.size > 1
        problems
      end

      def tree_problems
        roots = self.roots
        return ["the parent_event_id links form a loop: no event is the root"] if roots.empty?

        if roots.size > 1
          return ["the parent_event_id links form #{roots.size} trees, not one " \
                  "(roots: #{roots.map { |root| FlowTree.line(root) }.join("; ")})"]
        end

        unreached = @events.size - reached_from(roots.first).size
        unreached.positive? ? ["#{unreached} events are not reached from the root (a loop of parent links)"] : []
      end

      def content_problems
        [start_problem, missing_problem].compact
      end

      def start_problem
        root = roots.first
        return unless @starting_with && roots.size == 1 && root[:event_type] != @starting_with

        "the flow starts with #{root[:event_type].inspect}, not #{@starting_with.inspect}"
      end

      def missing_problem
        types = @events.map { |event| event[:event_type] }
        missing = @including.reject { |type| types.include?(type) }
        "the flow has no #{missing.map(&:inspect).join(", ")} event" if missing.any?
      end

      def flow_ids
        @flow_ids ||= @events.map { |event| event.dig(:correlation, :flow_id) }
      end

      # Events whose parent is not among the events.
      def roots
        @roots ||= @events.reject { |event| ids.key?(event.dig(:correlation, :parent_event_id)) }
      end

      def ids
        @ids ||= @events.to_h { |event| [event[:event_id], event] }
      end

      def reached_from(root)
        children = @events.group_by { |event| event.dig(:correlation, :parent_event_id) }
        reached = {}
        pending = [root]
        until pending.empty?
          event = pending.pop
          next if reached[event[:event_id]]

          reached[event[:event_id]] = true
          pending.concat(children.fetch(event[:event_id], []))
        end
        reached
      end
    end

    # The refinements both have_correlation_flow matchers take (the RSpec
    # one, and 0.1.19's in TestHelpers): `.starting_with(type)` and
    # `.including(*types)`.
    module FlowRefinements
      def starting_with(event_type)
        @starting_with = event_type
        self
      end

      def including(*event_types)
        @including = (@including || []) + event_types.flatten
        self
      end

      private

      def flow_check(events, tree: true)
        FlowCheck.new(events, starting_with: @starting_with, including: @including || [], tree:)
      end
    end
  end
end
