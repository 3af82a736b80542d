# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # How events are linked into flows.
    class Correlation
      include Checks
      include Inspection
      include UnknownOptions

      OPTION_PREFIX = "correlation."

      checked_option :enable_correlation, :check_boolean
      checked_option :max_correlation_depth, :check_positive

      def initialize
        @enable_correlation = true
        @max_correlation_depth = 20
      end
    end
  end
end
