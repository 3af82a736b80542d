# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # Where events go and how they are batched and retried.
    class Delivery
      include Checks
      include OtelEnvironment
      include Inspection
      include UnknownOptions
      include Endpoint

      COMPRESSIONS = %i[auto gzip none].freeze

      OPTION_PREFIX = "delivery."

      attr_reader :flush_interval, :shutdown_timeout, :api_key, :spool_dir

      checked_option :batch_size, :check_positive
      checked_option :timeout, :check_positive, Numeric
      checked_option :retry_attempts, :check_non_negative
      checked_option :retry_backoff, :check_non_negative, Numeric
      checked_option :circuit_breaker_threshold, :check_positive
      checked_option :circuit_breaker_timeout, :check_positive, Numeric
      checked_option :spool_max_bytes, :check_positive
      checked_option :headers, :check_headers
      # :auto gzips for remote collectors and not for one on loopback (the
      # ezlogs agent there ignores Content-Encoding); :gzip; :none.
      checked_option :compression, :check_choice, COMPRESSIONS

      # Names 0.1.19 set or documented (docs/delivery-system.md).
      DOCTOR = "run `rake ezlogs:doctor` to check the collector takes events"
      inert_option :local_agent, DOCTOR, default: true
      inert_option :agent_health_check, DOCTOR, default: true
      inert_option :agent_health_endpoint, DOCTOR, default: "/health"
      inert_option :circuit_breaker_ratio, "the breaker opens after delivery.circuit_breaker_threshold failures " \
                                           "in a row"
      RETRIED = "network errors, 408, 429 and 5xx answers are retried, delivery.retry_attempts times, waiting " \
                "delivery.retry_backoff seconds, doubled each time up to 60 s, or as Retry-After says"
      inert_option :retry_max_delay, RETRIED
      inert_option :retry_status_codes, RETRIED
      inert_option :retry_strategy, RETRIED
      inert_option :circuit_breaker_strategy, "use delivery.circuit_breaker_threshold and circuit_breaker_timeout"
      inert_option :require_ssl, "write an https:// delivery.endpoint", default: false
      inert_option :ssl_verify_mode, "certificates are always verified against the system's roots"
      former_options << "circuit_breaker"

      def initialize
        @endpoint_chosen = false
        @endpoint = endpoint_from_env
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

      def flush_interval=(seconds)
        @flush_interval = check_positive("delivery.flush_interval", seconds, Numeric).to_f
      end

      def shutdown_timeout=(seconds)
        @shutdown_timeout = check_positive("delivery.shutdown_timeout", seconds, Numeric).to_f
      end

      # A relative directory is taken from where the app is when it sets
      # it: the process may change directory later (Process.daemon goes to /).
      def spool_dir=(dir)
        @spool_dir = dir.nil? ? nil : expand("delivery.spool_dir", check_name("delivery.spool_dir", dir.to_s))
      end

      # 0.1.19's block form, `d.circuit_breaker { |cb| cb.failure_threshold
      # = 5; cb.recovery_timeout = 60 }`: the block sets
      # circuit_breaker_threshold and circuit_breaker_timeout.
      def circuit_breaker(&block)
        breaker = CircuitBreakerOptions.new(self)
        run_settings_block(breaker, block)
        breaker
      end

      # Sent as `Authorization: Bearer <api_key>`; blank is none.
      def api_key=(key)
        key = key.nil? ? "" : check_header_value("delivery.api_key", key)
        @api_key = key.empty? ? nil : key
      end

      # The plain data the native core takes.
      def to_native
        {
          endpoint:, endpoint_setting:, batch_size:, flush_interval_secs: flush_interval, timeout_secs: timeout.to_f,
          # With log:// nothing is sent: a spool left by an earlier process
          # stays on disk for when an endpoint is set again.
          api_key:, compression: compression.to_s, spool_dir: (spool_dir unless prints_only?), spool_max_bytes:,
          shutdown_timeout_secs: shutdown_timeout
        }.merge(native_retry, native_headers)
      end

      private

      # delivery.headers, over OpenTelemetry's to an endpoint they came with;
      # to an otlp+ endpoint, OTEL_RESOURCE_ATTRIBUTES (OtelEnvironment).
      def native_headers
        headers = otel_endpoint? ? otel_headers.merge(self.headers) : self.headers
        { headers: headers.to_a, header_settings:, resource_attributes: otlp? ? otel_resource_attributes.to_a : [] }
      end

      # `path` made absolute from the current directory; "~" and "~user"
      # as the shell reads them.
      def expand(name, path, shown: path)
        File.expand_path(path)
      rescue ArgumentError => e # "~user" with no such user, "~" with no HOME
        raise ConfigurationError, "#{name} #{shown.inspect} cannot be made absolute (#{e.message}): " \
                                  "write an absolute path", cause: nil
      end

      # The api_key and header values are secrets; an endpoint may hold
      # credentials or a key in its query.
      def shown_value(option, value)
        case option
        when "api_key" then value && MASK
        when "headers" then value.transform_values { MASK }
        when "endpoint" then shown_url(value)
        else value
        end
      end

      def native_retry
        {
          retry_attempts:, retry_backoff_secs: retry_backoff.to_f,
          circuit_breaker_threshold:, circuit_breaker_timeout_secs: circuit_breaker_timeout.to_f
        }
      end
    end

    # What `delivery.circuit_breaker { |cb| ... }` yields: 0.1.19's names
    # for the breaker's two options.
    CircuitBreakerOptions = Struct.new(:delivery) do
      def failure_threshold = delivery.circuit_breaker_threshold

      def failure_threshold=(count)
        delivery.circuit_breaker_threshold = count
      end

      def recovery_timeout = delivery.circuit_breaker_timeout

      def recovery_timeout=(seconds)
        delivery.circuit_breaker_timeout = seconds
      end
    end
  end
end
