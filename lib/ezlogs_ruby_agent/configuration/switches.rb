# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # The agent's off switch (`enabled`), and what the trackers read of it
    # and of the instrumentation switches on every event (`switches`).
    module Switches
      # The off switch: false and the agent records nothing, starts no
      # thread, and has nothing to flush at exit. EZLOGS_ENABLED=false
      # (or 0, off, no) sets it before the app boots, and then no Rails hook
      # is installed either.
      attr_reader :enabled

      # `{switch => whether the agent and instrumentation.<switch> are both
      # on}` (Instrumentation::SWITCHES), frozen, made again whenever either
      # changes: the trackers ask on every event (Tracking.enabled?), and
      # reading the two settings cost them some 2,600 instructions a time.
      attr_reader :switches

      def enabled=(on)
        @off_by_environment = false
        @refused = nil
        @enabled = check_boolean("enabled", on)
        switches_changed
      end

      # Turns the agent off because a `configure` block stopped at a setting
      # it refused (`option`): the settings after it, which may be the app's
      # filters, were not made, and the agent sends nothing rather than
      # send what they would have hidden.
      def refused!(option)
        @enabled = false
        @refused = option
        switches_changed
      end

      # What turned the agent off, as the app wrote it, for messages:
      # "enabled = false", "EZLOGS_ENABLED=false", or the refused setting.
      def off_switch
        return "#{@refused} was refused: see stderr" if @refused

        @off_by_environment ? "EZLOGS_ENABLED=#{ENV.fetch("EZLOGS_ENABLED", "false")}" : "enabled = false"
      end

      # How to turn it on again, for the doctor.
      def on_again
        return "correct #{@refused} in the configure block (stderr says what it takes)" if @refused

        "remove `c.enabled = false` or unset EZLOGS_ENABLED"
      end

      # Called by Instrumentation when a switch changes, and once the
      # configuration is built.
      def switches_changed
        return unless @instrumentation

        @switches = Instrumentation::SWITCHES.to_h do |switch|
          [switch, @enabled && @instrumentation.public_send(switch) ? true : false]
        end.freeze
      end

      private

      def switch_from_env
        @enabled = env_switch("EZLOGS_ENABLED", default: true, kept: "the agent stays on")
        @off_by_environment = !@enabled
      end
    end
  end
end
