# frozen_string_literal: true

require "json"

module EzlogsRubyAgent
  class Configuration
    # The EZLOGS_* variables 0.1.19 read, with its meanings. They are read
    # when the configuration is made, as the gem loads, so an initializer's
    # settings win over them; `load_from_environment!` reads them again, and
    # then they win. A variable that is unset or blank changes nothing. A
    # bad value is reported once and ignored: a stray variable must not stop
    # the app from booting.
    #
    # EZLOGS_SERVICE_NAME and EZLOGS_ENVIRONMENT are read when the name is
    # (Configuration#service_name), EZLOGS_ENDPOINT by the delivery group,
    # EZLOGS_ENABLED and EZLOGS_DEBUG as the configuration is made.
    module EnvironmentVariables
      # variable => [group, option, how its text is read]
      OPTIONS = {
        "EZLOGS_TIMEOUT" => %i[delivery timeout number],
        "EZLOGS_RETRY_ATTEMPTS" => %i[delivery retry_attempts integer],
        "EZLOGS_RETRY_BACKOFF" => %i[delivery retry_backoff number],
        "EZLOGS_BATCH_SIZE" => %i[delivery batch_size integer],
        "EZLOGS_FLUSH_INTERVAL" => %i[delivery flush_interval number],
        "EZLOGS_CIRCUIT_BREAKER_THRESHOLD" => %i[delivery circuit_breaker_threshold integer],
        "EZLOGS_CIRCUIT_BREAKER_TIMEOUT" => %i[delivery circuit_breaker_timeout number],
        "EZLOGS_DELIVERY_HEADERS" => %i[delivery headers json_object],
        "EZLOGS_SAMPLE_RATE" => %i[performance sample_rate number],
        "EZLOGS_EVENT_BUFFER_SIZE" => %i[performance event_buffer_size integer],
        "EZLOGS_MAX_DELIVERY_CONNECTIONS" => %i[performance max_delivery_connections integer],
        "EZLOGS_AUTO_DETECT_PII" => %i[security auto_detect_pii switch],
        "EZLOGS_MAX_EVENT_SIZE" => %i[security max_event_size integer],
        "EZLOGS_HTTP" => %i[instrumentation http switch],
        "EZLOGS_ACTIVE_RECORD" => %i[instrumentation active_record switch],
        "EZLOGS_ACTIVE_JOB" => %i[instrumentation active_job switch],
        "EZLOGS_SIDEKIQ" => %i[instrumentation sidekiq switch]
      }.freeze
      # What a bad value of each kind is told as.
      ENV_PROBLEMS = { json_object: "is not a JSON object", integer: "is not a whole number",
                       switch: EnvironmentReading::NOT_A_SWITCH }.freeze

      # Reads every variable again; they win over what is set. Returns the
      # configuration.
      def load_from_environment!
        self.service_name = env_setting("EZLOGS_SERVICE_NAME") if env_setting("EZLOGS_SERVICE_NAME")
        self.environment = env_setting("EZLOGS_ENVIRONMENT") if env_setting("EZLOGS_ENVIRONMENT")
        delivery.reload_endpoint_from_env
        apply_environment_variables
        self
      end

      private

      def apply_environment_variables
        OPTIONS.each do |variable, (group, option, type)|
          text = env_setting(variable)
          next unless text

          public_send(group).public_send(:"#{option}=", parse_env(text, type))
        rescue ArgumentError, JSON::ParserError, ConfigurationError => e
          report_env(variable, type, group, option, e)
        end
      end

      def parse_env(text, type)
        case type
        when :integer then Integer(text, 10)
        when :number then Float(text)
        when :switch then switch_value(text)
        when :json_object
          headers = JSON.parse(text)
          headers.is_a?(Hash) ? headers : raise(ArgumentError, "not a JSON object")
        end
      end

      def switch_value(text)
        EnvironmentReading::SWITCH_VALUES.fetch(text.downcase) { raise ArgumentError, "not a switch" }
      end

      # The message names the variable and what is wrong, never the value
      # of EZLOGS_DELIVERY_HEADERS (it holds keys) nor a JSON parser's
      # message, which quotes it.
      def report_env(variable, type, group, option, error)
        problem = case error
                  when JSON::ParserError then "is not valid JSON"
                  when ConfigurationError then error.message.sub("#{group}.#{option}", "")
                  else ENV_PROBLEMS.fetch(type, "is not a number")
                  end
        settings = public_send(group)
        kept = settings.send(:shown_value, option.to_s, settings.public_send(option))
        ProblemReporter.bad_setting("#{variable} #{problem.strip}", "it is ignored: #{group}.#{option} stays " \
                                                                    "#{kept.inspect}")
      end
    end
  end
end
