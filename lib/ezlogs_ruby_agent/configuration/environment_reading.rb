# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # How the configuration reads an environment variable (Checks includes
    # it, so every group can). A variable that is unset, blank or not valid
    # text is no setting: a stray byte must not stop the app from booting,
    # so such a value is reported once, by the variable's name, and ignored.
    module EnvironmentReading
      SWITCH_VALUES = { "true" => true, "1" => true, "on" => true, "yes" => true,
                        "false" => false, "0" => false, "off" => false, "no" => false }.freeze
      NOT_A_SWITCH = "is not a switch: write true or false (or 1, 0, on, off, yes, no)"

      # The variable's value, stripped; nil when unset, blank or not valid
      # text in its encoding.
      def env_setting(name)
        value = ENV.fetch(name, nil)
        return unless value

        unless value.valid_encoding?
          ProblemReporter.bad_setting("#{name} is not valid #{value.encoding} text", "#{name} is ignored")
          return
        end
        value = value.strip
        value unless value.empty?
      end

      # The variable read as a switch (SWITCH_VALUES, any case); `default`
      # when it is unset, or when it is something else, which is reported
      # once: "flase" must not turn the agent, or its debug output, the
      # other way from what was meant. `kept`: what stays, as the report
      # says it.
      def env_switch(name, default:, kept:)
        value = env_setting(name)
        return default unless value

        SWITCH_VALUES.fetch(value.downcase) do
          ProblemReporter.bad_setting("#{name} #{NOT_A_SWITCH}", "it is ignored: #{kept}")
          default
        end
      end
    end
  end
end
