# frozen_string_literal: true

module EzlogsRubyAgent
  # The line the Railtie writes to the Rails log at boot: whether the
  # agent is on, where events go, and which trackers are on, e.g.
  #
  #   [ezlogs_ruby_agent] on (shop, production): events go to
  #   https://collector.example/events; trackers: http, active_record,
  #   active_job, sidekiq, mail, custom
  module BootLine
    PREFIX = "[ezlogs_ruby_agent]"

    module_function

    # Writes the line to `logger`, and to the terminal of a `rails server`
    # in development: Rails shows the log there (Rails::Server broadcasts
    # it to stdout) only from after the app has booted, which is after this
    # line. An agent that is on adds which filter_parameters entries Rails'
    # ParameterFilter applies rather than the core (a Proc, say).
    def write(logger)
      [text, *notes].each do |line|
        logger&.info(line)
        $stdout.puts(line) if server_terminal?(logger)
      end
    end

    def notes(config = EzlogsRubyAgent.config)
      return [] unless EzlogsRubyAgent.native_loaded? && config.enabled

      config.rails_settings.filter_parameters.notes.map { |note| "#{PREFIX} #{note}" }
    end

    def server_terminal?(logger)
      defined?(::Rails::Server) && Rails.env.development? &&
        !(logger && ActiveSupport::Logger.logger_outputs_to?(logger, $stdout, $stderr))
    end

    def text(config = EzlogsRubyAgent.config)
      return "#{PREFIX} off: the native extension did not load (see its message)" unless EzlogsRubyAgent.native_loaded?
      return "#{PREFIX} off (#{config.off_switch}): nothing is recorded" unless config.enabled

      on = trackers(config)
      "#{PREFIX} on (#{config.service_name}, #{config.environment}): #{destination(config.delivery)}; " \
        "trackers: #{on.empty? ? "none" : on.join(", ")}" \
        "#{"; debug output: #{config.debug_format}" if config.debug_mode}"
    end

    def destination(delivery)
      if Native.test_mode?
        "events are captured in memory (captured_events), not sent"
      elsif delivery.prints_only?
        hint = " (set delivery.endpoint or EZLOGS_ENDPOINT to send them)" unless delivery.endpoint_chosen?
        "events are printed to this log, not sent#{hint}"
      else
        "events go to #{Native.shown_endpoint(delivery.endpoint)}"
      end
    end

    # The instrumentation switches that are on, of the frameworks loaded.
    def trackers(config)
      Configuration::Instrumentation::SWITCHES.select do |switch|
        config.instrumentation.public_send(switch) && Configuration::Instrumentation.framework_loaded?(switch)
      end
    end
  end
end
