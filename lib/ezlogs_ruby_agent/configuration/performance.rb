# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # How much the agent may keep and how it samples.
    class Performance
      include Checks
      include Inspection
      include UnknownOptions

      OPTION_PREFIX = "performance."

      attr_reader :sample_rate

      # The queue holds at most `event_buffer_size` events, and
      # `event_buffer_bytes` of them.
      checked_option :event_buffer_size, :check_positive
      checked_option :event_buffer_bytes, :check_positive
      checked_option :max_delivery_connections, :check_positive
      checked_option :enable_compression, :check_boolean
      inert_option :enable_async, "events always go to a background thread, so the app never waits " \
                                  "on delivery; remove the setting", default: true

      # Names 0.1.19 read or documented (docs/delivery-system.md).
      renamed_option :compression_enabled, :enable_compression
      renamed_option :connection_pool_size, :max_delivery_connections
      renamed_option :max_concurrent_connections, :max_delivery_connections
      renamed_option :buffer_size, :event_buffer_size
      renamed_option :max_buffer_size, :event_buffer_size
      renamed_option :batch_size, "delivery.batch_size"
      renamed_option :flush_interval, "delivery.flush_interval"
      inert_option :max_batch_size, "delivery.batch_size is the most events sent at once"
      NOT_POOLED = "events are not pooled (each costs one allocation); remove the setting"
      inert_option :object_pool_size, NOT_POOLED
      inert_option :max_object_pool_size, NOT_POOLED
      GZIP_WHOLE = "a batch is gzipped whole, at gzip's default level, as delivery.compression says; " \
                   "remove the setting"
      inert_option :compression_threshold, GZIP_WHOLE
      inert_option :compression_level, GZIP_WHOLE
      inert_option :connection_timeout, "use delivery.timeout, which bounds connecting and each request"
      KEPT_ALIVE = "connections to the collector are always kept alive (performance.max_delivery_connections " \
                   "of them); remove the setting"
      inert_option :keep_alive, KEPT_ALIVE, default: true
      inert_option :keep_alive_timeout, KEPT_ALIVE

      def initialize
        @sample_rate = 1.0
        @event_buffer_size = 10_000
        @event_buffer_bytes = 16 * 1024 * 1024
        @max_delivery_connections = 2
        @enable_compression = true
      end

      def sample_rate=(rate)
        unless rate.is_a?(Numeric) && rate.between?(0, 1)
          raise ConfigurationError, "performance.sample_rate must be a number from 0.0 to 1.0, got #{rate.inspect}"
        end

        @sample_rate = rate.to_f
      end
    end
  end
end
