# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # How much the agent may keep and how it samples.
    class Performance
      attr_accessor :max_delivery_connections, :enable_compression, :enable_async
      attr_reader :sample_rate, :event_buffer_size, :event_buffer_bytes

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
        @event_buffer_size = positive(:event_buffer_size, size)
      end

      def event_buffer_bytes=(bytes)
        @event_buffer_bytes = positive(:event_buffer_bytes, bytes)
      end

      private

      def positive(name, value)
        return value if value.is_a?(Integer) && value.positive?

        raise ConfigurationError, "performance.#{name} must be a positive Integer, got #{value.inspect}"
      end
    end
  end
end
