# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # How events are linked into flows.
    class Correlation
      attr_accessor :enable_correlation
      attr_reader :max_correlation_depth

      def initialize
        @enable_correlation = true
        @max_correlation_depth = 20
      end

      def max_correlation_depth=(depth)
        unless depth.is_a?(Integer) && depth.positive?
          raise ConfigurationError,
                "correlation.max_correlation_depth must be a positive Integer, got #{depth.inspect}"
        end

        @max_correlation_depth = depth
      end
    end
  end
end
