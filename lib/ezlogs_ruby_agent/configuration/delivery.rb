# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # Where events go and how they are batched and retried.
    class Delivery
      DEFAULT_ENDPOINT = "http://127.0.0.1:9000/events"
      SCHEMES = %w[http https file stdout].freeze

      attr_accessor :timeout, :retry_attempts, :retry_backoff, :circuit_breaker_threshold,
                    :circuit_breaker_timeout, :api_key
      attr_reader :endpoint, :batch_size, :flush_interval, :headers, :shutdown_timeout

      def initialize
        self.endpoint = ENV.fetch("EZLOGS_ENDPOINT", DEFAULT_ENDPOINT)
        @timeout = 10
        @retry_attempts = 3
        @retry_backoff = 1.0
        @batch_size = 100
        @flush_interval = 5.0
        @headers = {}
        @circuit_breaker_threshold = 5
        @circuit_breaker_timeout = 60
        @shutdown_timeout = 5.0
        @api_key = nil
      end

      def endpoint=(url)
        scheme = url.to_s[%r{\A([a-z]+)://}, 1]
        unless SCHEMES.include?(scheme)
          raise ConfigurationError,
                "delivery.endpoint must start with one of #{SCHEMES.map { |s| "#{s}://" }.join(", ")}, " \
                "got #{url.inspect} (for a file, write file:///path/to/events.jsonl)"
        end

        @endpoint = url.to_s
      end

      def batch_size=(size)
        @batch_size = positive(:batch_size, size, Integer)
      end

      def flush_interval=(seconds)
        @flush_interval = positive(:flush_interval, seconds, Numeric).to_f
      end

      def shutdown_timeout=(seconds)
        @shutdown_timeout = positive(:shutdown_timeout, seconds, Numeric).to_f
      end

      def headers=(headers)
        raise ConfigurationError, "delivery.headers must be a Hash, got #{headers.inspect}" unless headers.is_a?(Hash)

        @headers = headers.to_h { |name, value| [name.to_s, value.to_s] }
      end

      private

      def positive(name, value, type)
        return value if value.is_a?(type) && value.positive?

        raise ConfigurationError, "delivery.#{name} must be a positive #{type}, got #{value.inspect}"
      end
    end
  end
end
