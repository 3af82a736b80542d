# frozen_string_literal: true

module EzlogsRubyAgent
  # 0.1.19's debugging switches, under their names, for the specs and
  # consoles that call them. Each is a shortcut to the agent's own API.
  module DebugTools
    LOG_LEVELS = %i[debug info warn error].freeze

    class << self
      # Debug mode as 0.1.19 had it: each event printed (DebugOutput), and
      # a redacted copy kept for `captured_events` while it is delivered
      # as usual (EzlogsRubyAgent.debug_mode = true).
      def enable_debug_mode
        self.debug_mode = true
      end

      # Debug output off, no more copies kept, and the capture emptied.
      def disable_debug_mode
        self.debug_mode = false
        clear_captured_events
      end

      def debug_mode
        EzlogsRubyAgent.debug_mode
      end

      def debug_mode=(on)
        EzlogsRubyAgent.debug_mode = on
      end

      # Whether a redacted copy of each event is kept for `captured_events`
      # (debug mode turns it on; it is off again when debug_mode is).
      def capture_events
        Native.keep_copies?
      end

      def capture_events=(on)
        Native.set_keep_copies(on ? true : false)
      end

      # Keeps a redacted copy of `event` (a UniversalEvent) for
      # `captured_events` while copies are kept, and sends it nowhere, as
      # 0.1.19 did. True when kept. Never raises.
      def capture_event(event)
        event.is_a?(UniversalEvent) && Native.keep_event(event)
      rescue *FAILURES => e
        ProblemReporter.internal(e, "DebugTools.capture_event")
        false
      end

      # 0.1.19's log lines, "[ezlogs] message" with the data as JSON, on
      # Rails.logger (or stderr) at their level. Never raise.
      %i[debug info warning error].each do |level|
        define_method(:"log_#{level}") do |message, data = nil|
          DebugOutput.write_line(level == :warning ? :warn : level, [message, data&.to_json].compact.join(" | "))
        rescue *FAILURES => e
          ProblemReporter.internal(e, "DebugTools.log_#{level}")
        end
      end

      # The level debug output is written at on Rails.logger: :debug,
      # :info (the default), :warn or :error.
      def log_level
        DebugOutput.level
      end

      def log_level=(level)
        level = level.to_s.downcase.to_sym
        if LOG_LEVELS.include?(level)
          DebugOutput.level = level
        else
          ProblemReporter.bad_call("DebugTools.log_level takes one of #{LOG_LEVELS.inspect}, got " \
                                   "#{level.inspect}; it stays #{DebugOutput.level.inspect}")
        end
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
