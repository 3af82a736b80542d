# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # `delivery.endpoint`: where events go, chosen by the app or by
    # EZLOGS_ENDPOINT, or by default: the local ezlogs agent, or the OTLP
    # receiver OpenTelemetry's variables name (OtelEnvironment); in Rails
    # development, the log.
    module Endpoint
      DEFAULT_ENDPOINT = "http://127.0.0.1:9000/events"
      SCHEMES = %w[http https otlp+http otlp+https file stdout memory log].freeze
      # Events printed to the app's log (DebugOutput), sent nowhere.
      LOG_ENDPOINT = "log://"

      attr_reader :endpoint

      # nil or blank is no choice: `d.endpoint = ENV["EZLOGS_ENDPOINT"]` with
      # the variable unset leaves the default.
      def endpoint=(url)
        if check_encoding("delivery.endpoint", url).to_s.strip.empty?
          @endpoint_chosen = false
          @endpoint = endpoint_from_env
        else
          @endpoint = absolute("delivery.endpoint", check_endpoint("delivery.endpoint", url.to_s, SCHEMES))
          @endpoint_chosen = true
          @endpoint_setting = "delivery.endpoint"
        end
      end

      # EZLOGS_ENDPOINT again, when set (Configuration#load_from_environment!):
      # a bad one is reported and changes nothing.
      def reload_endpoint_from_env
        value = env_setting("EZLOGS_ENDPOINT")
        return unless value

        self.endpoint = value
        @endpoint_setting = "EZLOGS_ENDPOINT"
      rescue ConfigurationError => e
        ProblemReporter.bad_setting(e.message.sub("delivery.endpoint", "EZLOGS_ENDPOINT"),
                                    "it is ignored: the endpoint stays #{shown_url(endpoint)} " \
                                    "(from #{endpoint_setting})")
      end

      # True once the app chose where events go (delivery.endpoint, or a
      # valid EZLOGS_ENDPOINT). In the Rails test environment, events are
      # otherwise captured in memory (Railtie).
      def endpoint_chosen?
        @endpoint_chosen
      end

      # Events printed to the log rather than sent to the default endpoint,
      # unless the app chose one: the Rails development default.
      def print_by_default
        return if endpoint_chosen?

        @endpoint = LOG_ENDPOINT
        @endpoint_setting = "delivery.endpoint"
      end

      def prints_only?
        endpoint.start_with?(LOG_ENDPOINT)
      end

      # Events go as OTLP logs (otlp+http://, otlp+https://).
      def otlp? = endpoint.start_with?("otlp+")

      # Where the endpoint was set, for messages that say what to correct:
      # "delivery.endpoint" (also when it is the default), "EZLOGS_ENDPOINT",
      # or the OpenTelemetry variable that named it.
      attr_reader :endpoint_setting

      # Where the request headers to this endpoint come from, for messages:
      # delivery.headers, and OpenTelemetry's variables when they named it.
      def header_settings
        otel_endpoint? ? "delivery.headers, #{OtelEnvironment::HEADERS.reverse.join(" or ")}" : "delivery.headers"
      end

      private

      # A file:// endpoint with a relative path, made absolute as the
      # spool_dir is.
      def absolute(name, url)
        path = url.delete_prefix("file://")
        path == url || path.start_with?("/") ? url : "file://#{expand(name, path, shown: shown_url(url))}"
      end

      # The endpoint the environment names, when one does and it is valid:
      # EZLOGS_ENDPOINT (the app's choice), else OpenTelemetry's variables
      # (OtelEnvironment). A bad one is reported and the default used: a
      # stray variable must not stop the app from booting (the gem is
      # configured while it loads, before any initializer).
      def endpoint_from_env
        @endpoint_setting = "delivery.endpoint"
        @otel_url = nil
        name = env_setting("EZLOGS_ENDPOINT") ? "EZLOGS_ENDPOINT" : otel_endpoint_variable
        return DEFAULT_ENDPOINT unless name

        url = name == "EZLOGS_ENDPOINT" ? chosen_in_env : (@otel_url = otel_endpoint(name))
        @endpoint_setting = name
        url
      rescue ConfigurationError => e
        ProblemReporter.bad_setting(e.message, "#{name} is ignored: events go where they go " \
                                               "with no endpoint set (in Rails development the log, in tests " \
                                               "the capture, else #{DEFAULT_ENDPOINT})")
        DEFAULT_ENDPOINT
      end

      # EZLOGS_ENDPOINT's URL, checked: the app's choice.
      def chosen_in_env
        url = absolute("EZLOGS_ENDPOINT", check_endpoint("EZLOGS_ENDPOINT", env_setting("EZLOGS_ENDPOINT"), SCHEMES))
        url.tap { @endpoint_chosen = true }
      end

      # Whether the endpoint is the one OpenTelemetry's variables named.
      def otel_endpoint? = !@otel_url.nil? && endpoint == @otel_url
    end
  end
end
