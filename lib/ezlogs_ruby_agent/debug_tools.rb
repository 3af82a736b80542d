# frozen_string_literal: true

module EzlogsRubyAgent
  # The debugging switches of earlier versions, under their old names, for
  # the specs and consoles that call them. Each is a shortcut to the agent's
  # own API.
  module DebugTools
    class << self
      # Prints each event as it is logged (DebugOutput), and captures events in memory
      # instead of delivering them (as `EzlogsRubyAgent.test_mode` does), so
      # that `captured_events` shows them. Meant for specs and consoles: while
      # it is on, nothing reaches the collector, which it says on stderr.
      def enable_debug_mode
        EzlogsRubyAgent.debug_mode = true
        previous = Native.set_test_mode(true)
        @test_mode_before = previous if @test_mode_before.nil?
        warn "[ezlogs_ruby_agent] debug mode: events are printed and captured in memory " \
             "(DebugTools.captured_events) instead of delivered, until DebugTools.disable_debug_mode"
      end

      # Debug output off, the capture emptied, and delivery back as it was
      # before `enable_debug_mode` (still captured inside a `test_mode` block).
      def disable_debug_mode
        EzlogsRubyAgent.debug_mode = false
        Native.set_test_mode(@test_mode_before ? true : false)
        @test_mode_before = nil
        clear_captured_events
      end

      def debug_mode
        EzlogsRubyAgent.debug_mode
      end

      def test_mode(&)
        EzlogsRubyAgent.test_mode(&)
      end

      def captured_events
        EzlogsRubyAgent.captured_events
      end

      # `events` (captured entries or event Hashes; default: everything
      # captured) drawn as flow trees, one line per event (FlowTree.render).
      def flow_tree(events = EzlogsRubyAgent.captured_events)
        FlowTree.render(events)
      end

      def clear_captured_events
        EzlogsRubyAgent.clear_captured_events
      end

      # The app metrics recorded with `record_metric` and `timing`.
      def performance_metrics
        EzlogsRubyAgent.performance_monitor.summary
      end

      def record_metric(name, value, tags = {})
        EzlogsRubyAgent.record_metric(name, value, tags)
      end
    end
  end
end
