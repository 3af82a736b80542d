# frozen_string_literal: true

require "uri"

module EzlogsRubyAgent
  class Configuration
    # The OpenTelemetry SDK's environment variables, read as its OTLP/HTTP
    # exporters read them (opentelemetry.io/docs/specs/otel/protocol/exporter
    # and .../configuration/sdk-environment-variables), for an app whose
    # platform already sets them. Each comes after the agent's own setting:
    #
    #   endpoint      delivery.endpoint > EZLOGS_ENDPOINT >
    #                 OTEL_EXPORTER_OTLP_LOGS_ENDPOINT (as written) >
    #                 OTEL_EXPORTER_OTLP_ENDPOINT (with /v1/logs appended)
    #   headers       delivery.headers > OTEL_EXPORTER_OTLP_LOGS_HEADERS >
    #                 OTEL_EXPORTER_OTLP_HEADERS, for an otlp+ endpoint only
    #   service name  service_name > EZLOGS_SERVICE_NAME > OTEL_SERVICE_NAME
    #   Resource      OTEL_RESOURCE_ATTRIBUTES: attributes the agent does not
    #                 set itself (service.version, k8s.pod.name, ...)
    module OpenTelemetry
      module_function

      # [variable, otlp+ endpoint] from the first endpoint variable set, or
      # nil. A URL that is not http:// or https:// is kept as written, for
      # the endpoint check to refuse with the variable's name.
      def endpoint(env = ENV)
        if (url = value(env, "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"))
          ["OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", otlp(url)]
        elsif (url = value(env, "OTEL_EXPORTER_OTLP_ENDPOINT"))
          ["OTEL_EXPORTER_OTLP_ENDPOINT", otlp(url.match?(%r{\Ahttps?://}) ? "#{url.chomp("/")}/v1/logs" : url)]
        end
      end

      # {name => value}: the logs exporter's headers over the general ones.
      def headers(env = ENV)
        pairs(value(env, "OTEL_EXPORTER_OTLP_HEADERS")).merge(pairs(value(env, "OTEL_EXPORTER_OTLP_LOGS_HEADERS")))
      end

      def service_name(env = ENV) = value(env, "OTEL_SERVICE_NAME")

      # {key => value} from OTEL_RESOURCE_ATTRIBUTES.
      def resource_attributes(env = ENV) = pairs(value(env, "OTEL_RESOURCE_ATTRIBUTES"))

      # "key1=value1,key2=value2" (the W3C Baggage format the specification
      # names), values percent-decoded; an entry without "=" is skipped.
      def pairs(text)
        text.to_s.split(",").filter_map do |entry|
          key, raw = entry.split("=", 2)
          next if raw.nil? || key.strip.empty?

          [key.strip, URI::DEFAULT_PARSER.unescape(raw.strip)]
        end.to_h
      end

      def value(env, name)
        text = env[name].to_s.strip
        text unless text.empty?
      end

      def otlp(url) = url.match?(%r{\Ahttps?://}) ? "otlp+#{url}" : url
    end
  end
end
