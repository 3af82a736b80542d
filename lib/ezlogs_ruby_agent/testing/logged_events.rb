# frozen_string_literal: true

module EzlogsRubyAgent
  module Testing
    # Where the test helpers take events from: what the test handed them,
    # or what was captured.
    module LoggedEvents
      module_function

      # `source`: an Array of captured entries or event Hashes; nil or the
      # EzlogsRubyAgent module for everything captured so far. Symbol-keyed
      # event Hashes (FlowTree.normalize).
      def of(source)
        source = EzlogsRubyAgent.captured_events if source.nil? || source.equal?(EzlogsRubyAgent)
        FlowTree.normalize(source)
      end

      # The events logged while `block` ran. Outside test mode the block runs
      # in a `test_mode` block of its own, so that its events are captured.
      def during(&block)
        Native.test_mode? ? logged_while(block) : EzlogsRubyAgent.test_mode { logged_while(block) }
      end

      def logged_while(block)
        before = of(nil).to_set { |event| event[:event_id] }
        block.call
        of(nil).reject { |event| before.include?(event[:event_id]) }
      end

      # "Captured (3 events):" and the flow trees, for failure messages; and
      # why nothing was, when the agent could capture nothing.
      def report(events)
        captured = "Captured (#{events.size} #{events.size == 1 ? "event" : "events"}):\n#{FlowTree.render(events)}"
        off = off_reason if events.empty?
        off ? "#{captured}\nNothing can be captured: #{off}." : captured
      end

      def off_reason
        unless EzlogsRubyAgent.native_loaded?
          return "the native extension did not load (#{NATIVE_LOAD_ERROR.message}); see the warning at boot"
        end

        config = EzlogsRubyAgent.config
        return "the agent is off (#{config.off_switch})" unless config.enabled

        sent_reason(config.delivery) unless Native.test_mode?
      end

      # Outside test mode events go where the app chose, even in the Rails
      # test environment (Railtie.choose_destination), or to the default.
      def sent_reason(delivery)
        chosen = delivery.endpoint_chosen?
        "events go to #{Native.shown_endpoint(delivery.endpoint)} " \
          "(#{chosen ? "as #{delivery.endpoint_setting} chose" : "the default outside Rails' test environment"}), " \
          "and are captured only in test mode: run the code in the assertion's block or in " \
          "EzlogsRubyAgent.test_mode { }#{", or leave #{delivery.endpoint_setting} unset in tests" if chosen}"
      end
    end
  end
end
