# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # How events are linked into flows.
    class Correlation
      include Checks

      attr_reader :enable_correlation, :max_correlation_depth

      def initialize
        @enable_correlation = true
        @max_correlation_depth = 20
      end

      def enable_correlation=(on)
        @enable_correlation = check_boolean("correlation.enable_correlation", on)
      end

      def max_correlation_depth=(depth)
        @max_correlation_depth = check_positive("correlation.max_correlation_depth", depth)
      end
    end
  end
end
