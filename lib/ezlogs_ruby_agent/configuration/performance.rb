# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # How much the agent may keep and how it samples.
    class Performance
      include Checks

      attr_reader :sample_rate, :event_buffer_size, :event_buffer_bytes, :max_delivery_connections,
                  :enable_compression, :enable_async

      def initialize
        @sample_rate = 1.0
        @event_buffer_size = 10_000
        @event_buffer_bytes = 16 * 1024 * 1024
        @max_delivery_connections = 2
        @enable_compression = true
        @enable_async = true
      end

      def sample_rate=(rate)
        unless rate.is_a?(Numeric) && rate.between?(0, 1)
          raise ConfigurationError, "performance.sample_rate must be a number from 0.0 to 1.0, got #{rate.inspect}"
        end

        @sample_rate = rate.to_f
      end

      # The queue holds at most this many events, and this many bytes of them.
      def event_buffer_size=(size)
        @event_buffer_size = check_positive("performance.event_buffer_size", size)
      end

      def event_buffer_bytes=(bytes)
        @event_buffer_bytes = check_positive("performance.event_buffer_bytes", bytes)
      end

      def max_delivery_connections=(count)
        @max_delivery_connections = check_positive("performance.max_delivery_connections", count)
      end

      def enable_compression=(on)
        @enable_compression = check_boolean("performance.enable_compression", on)
      end

      def enable_async=(on)
        @enable_async = check_boolean("performance.enable_async", on)
      end
    end
  end
end
