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
                                  "on delivery; remove the setting"

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
    end
  end
end
