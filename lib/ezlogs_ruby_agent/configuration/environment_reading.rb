# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # How the configuration reads an environment variable (Checks includes
    # it, so every group can). A variable that is unset, blank or not valid
    # text is no setting: a stray byte must not stop the app from booting,
    # so such a value is reported once, by the variable's name, and ignored.
    module EnvironmentReading
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

      # The variable read as a switch: "false", "0", "off" or "no" (any
      # case) is off, anything else set is on.
      def env_switch(name, default:)
        value = env_setting(name)
        value ? !%w[false 0 off no].include?(value.downcase) : default
      end
    end
  end
end
