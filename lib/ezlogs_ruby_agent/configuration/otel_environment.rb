# frozen_string_literal: true

require "uri"

module EzlogsRubyAgent
  class Configuration
    # The OpenTelemetry SDK's environment variables, read as its OTLP/HTTP
    # exporters read them (opentelemetry.io/docs/specs/otel/protocol/exporter
    # and .../configuration/sdk-environment-variables), for an app whose
    # platform sets them. They never win over the agent's own settings, and
    # they replace only the default endpoint: an endpoint from them is not
    # the app's choice, so in Rails development events still go to the log
    # and in tests to the capture.
    #
    #   endpoint      delivery.endpoint > EZLOGS_ENDPOINT >
    #                 OTEL_EXPORTER_OTLP_LOGS_ENDPOINT (as written) >
    #                 OTEL_EXPORTER_OTLP_ENDPOINT (/v1/logs appended) > default
    #   headers       OTEL_EXPORTER_OTLP_LOGS_HEADERS > OTEL_EXPORTER_OTLP_HEADERS,
    #                 under delivery.headers, and only to an endpoint these
    #                 variables named (a key in them is for that receiver)
    #   service name  to an otlp+ endpoint: service_name > EZLOGS_SERVICE_NAME >
    #                 OTEL_SERVICE_NAME > OTEL_RESOURCE_ATTRIBUTES' service.name
    #   Resource      OTEL_RESOURCE_ATTRIBUTES, to an otlp+ endpoint
    #
    # A variable that cannot be used is reported once, naming it, and
    # ignored as a whole, as the specification says. Messages never show
    # headers or attributes; an endpoint is shown as the variable holds it,
    # without its user, password and query (shown_url).
    module OtelEnvironment
      ENDPOINTS = %w[OTEL_EXPORTER_OTLP_LOGS_ENDPOINT OTEL_EXPORTER_OTLP_ENDPOINT].freeze
      PROTOCOLS = %w[OTEL_EXPORTER_OTLP_LOGS_PROTOCOL OTEL_EXPORTER_OTLP_PROTOCOL].freeze
      # The general one first: the logs one wins.
      HEADERS = %w[OTEL_EXPORTER_OTLP_HEADERS OTEL_EXPORTER_OTLP_LOGS_HEADERS].freeze

      private

      # The first endpoint variable set, or nil.
      def otel_endpoint_variable = ENDPOINTS.find { |variable| env_setting(variable) }

      # The otlp+ endpoint the variable `name` names; raises
      # ConfigurationError, naming it, when it cannot be used.
      def otel_endpoint(name)
        url = env_setting(name).sub(/\A[a-z]+(?=:)/i, &:downcase) # HTTP:// is http://
        check_otel_protocol(name)
        unless url.match?(%r{\Ahttps?://}i)
          raise ConfigurationError, "#{name} must be the http:// or https:// URL of an OTLP/HTTP receiver " \
                                    "(an OpenTelemetry Collector listens on port 4318), got #{shown_url(url).inspect}"
        end
        # Checked as written, so that a message shows what the variable holds.
        check_endpoint(name, url, %w[http https])
        url = logs_url(url) if name == "OTEL_EXPORTER_OTLP_ENDPOINT"
        "otlp+#{url}"
      end

      # The general endpoint's URL with /v1/logs appended to its path, as
      # the specification says; a query (a vendor's key) stays a query.
      def logs_url(url)
        uri = URI.parse(url)
        uri.path = "#{uri.path.sub(%r{/+\z}, "")}/v1/logs"
        uri.fragment = nil
        uri.to_s
      end

      def check_otel_protocol(endpoint)
        name = PROTOCOLS.find { |variable| env_setting(variable) }
        protocol = name && env_setting(name)
        return if protocol.nil? || protocol == "http/protobuf"

        raise ConfigurationError, "#{name} is #{protocol.inspect}, and the agent sends OTLP over HTTP in protobuf " \
                                  "only: set it to http/protobuf and #{endpoint} to the receiver's OTLP/HTTP URL " \
                                  "(port 4318)"
      end

      # {name => value} from the OTLP headers variables.
      def otel_headers
        HEADERS.map { |name| otel_pairs(name) { |pairs| check_headers(name, pairs) } }.reduce(:merge)
      end

      def otel_resource_attributes = otel_pairs("OTEL_RESOURCE_ATTRIBUTES") { |pairs| pairs }

      # OTEL_SERVICE_NAME, else OTEL_RESOURCE_ATTRIBUTES' service.name, when
      # `delivery` sends OTLP logs.
      def otel_service_name(delivery)
        return unless delivery.otlp?

        env_setting("OTEL_SERVICE_NAME") || otel_resource_attributes["service.name"]
      end

      # The variable `name` read as "key1=value1,key2=value2" (W3C Baggage's
      # format; keys and values percent-decoded), through the block, which
      # may check it; {} when unset, or when it cannot be used (reported).
      def otel_pairs(name)
        text = env_setting(name)
        return {} unless text

        yield(text.split(",").reject { |entry| entry.strip.empty? }.to_h { |entry| otel_pair(name, entry) })
      rescue ConfigurationError => e
        ProblemReporter.bad_setting(e.message, "#{name} is ignored")
        {}
      end

      # Messages never show the entry: it may hold a key.
      def otel_pair(name, entry)
        key, value = entry.split("=", 2).map { |part| URI::DEFAULT_PARSER.unescape(part.strip) }
        raise ConfigurationError, "#{name}: an entry has no \"=\" (write key1=value1,key2=value2)" if value.nil?
        raise ConfigurationError, "#{name}: an entry has no key (write key1=value1,key2=value2)" if key.empty?

        [key, value]
      end
    end
  end
end
