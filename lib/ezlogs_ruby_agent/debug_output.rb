# frozen_string_literal: true

module EzlogsRubyAgent
  # Prints events as they are logged, redacted as they are sent: with
  # `debug_mode` on, or with the `log://` endpoint (the development
  # default). Events are printed when captured, not when sent, so the output
  # goes on while no collector answers.
  #
  # In the :tree format, each unit of work (a request, a job run) prints
  # as one FlowTree once its own event is logged, the request's line first
  # and what it caused beneath; the native core holds the events until
  # then. In the :compact format, each event prints at once on one line.
  #
  # Output goes to `Rails.logger` (at info) when there is one, else to
  # stderr. The native core calls `print_ready` after each event it takes
  # while debug output is on, on the thread that logged it.
  module DebugOutput
    PREFIX = "[ezlogs]"

    class << self
      # The Rails.logger level it writes at (DebugTools.log_level).
      attr_writer :level

      def level
        @level || :info
      end

      # `format`: :tree, :compact, or nil for off.
      def use(format)
        @format = format
        Native.set_debug_output({ tree: "tree", compact: "lines" }.fetch(format, "off"))
      end

      # Prints what the native core says is ready. Never raises. A logger
      # that itself logs events (one that writes to a model) is not
      # printed into again: its events wait for the next print.
      def print_ready
        return if Thread.current[:__ezlogs_printing]

        Thread.current[:__ezlogs_printing] = true
        groups = Native.take_debug_output
        groups&.each { |events| write(@format == :compact ? line(events.first) : tree(events)) }
      rescue *FAILURES => e
        ProblemReporter.internal(e, "printing debug output")
      ensure
        Thread.current[:__ezlogs_printing] = nil
      end

      # "[ezlogs] text" on Rails.logger at `at` (or stderr, when there is
      # no Rails logger).
      def write_line(at, text)
        write("#{PREFIX} #{text}", at)
      end

      private

      def tree(events)
        "#{PREFIX} #{FlowTree.render(events)}"
      end

      # "[ezlogs] data.change  user.updated  user 1  [evt_b]  flow flow_x"
      def line(event)
        flow = event.dig(:correlation, :flow_id)
        "#{PREFIX} #{FlowTree.line(event)}#{"  flow #{FlowTree.printable(flow.to_s)}" if flow}"
      end

      def write(text, at = level)
        logger = defined?(::Rails) && ::Rails.respond_to?(:logger) ? ::Rails.logger : nil
        logger ? logger.public_send(at, text) : warn(text)
      end
    end
  end
end
