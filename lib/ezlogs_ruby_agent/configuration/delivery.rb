# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # Where events go and how they are batched and retried.
    class Delivery
      DEFAULT_ENDPOINT = "http://127.0.0.1:9000/events"
      SCHEMES = %w[http https file stdout memory].freeze
      COMPRESSIONS = %i[auto gzip none].freeze

      attr_accessor :timeout, :retry_attempts, :retry_backoff, :circuit_breaker_threshold,
                    :circuit_breaker_timeout, :api_key, :spool_dir, :spool_max_bytes
      attr_reader :endpoint, :batch_size, :flush_interval, :headers, :shutdown_timeout, :compression

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
        @compression = :auto
        @spool_dir = nil
        @spool_max_bytes = 100 * 1024 * 1024
      end

      # :auto gzips for remote collectors and not for one on loopback (the
      # ezlogs agent there ignores Content-Encoding); :gzip; :none.
      def compression=(mode)
        unless COMPRESSIONS.include?(mode)
          raise ConfigurationError, "delivery.compression must be one of #{COMPRESSIONS.inspect}, got #{mode.inspect}"
        end

        @compression = mode
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

      # The plain data the native core takes.
      def to_native
        {
          endpoint:, batch_size:, flush_interval_secs: flush_interval, timeout_secs: timeout.to_f,
          headers: headers.to_a, api_key: api_key&.to_s, compression: compression.to_s,
          spool_dir: spool_dir&.to_s, spool_max_bytes: spool_max_bytes.to_i
        }.merge(native_retry)
      end

      private

      def native_retry
        {
          retry_attempts:, retry_backoff_secs: retry_backoff.to_f,
          circuit_breaker_threshold:, circuit_breaker_timeout_secs: circuit_breaker_timeout.to_f
        }
      end

      def positive(name, value, type)
        return value if value.is_a?(type) && value.positive?

        raise ConfigurationError, "delivery.#{name} must be a positive #{type}, got #{value.inspect}"
      end
    end
  end
end
