# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # How much the agent may keep and how it samples.
    class Performance
      attr_accessor :max_delivery_connections, :enable_compression, :enable_async
      attr_reader :sample_rate, :event_buffer_size

      def initialize
        @sample_rate = 1.0
        @event_buffer_size = 10_000
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

      def event_buffer_size=(size)
        unless size.is_a?(Integer) && size.positive?
          raise ConfigurationError, "performance.event_buffer_size must be a positive Integer, got #{size.inspect}"
        end

        @event_buffer_size = size
      end
    end
  end
end
