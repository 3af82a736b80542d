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
      renamed_option :enable_flow_tracking, :enable_correlation
      renamed_option :max_flow_depth, :max_correlation_depth
      NO_SWITCH = "flows link requests, records, jobs and mails whenever correlation.enable_correlation is on; " \
                  "remove the setting"
      %i[session_tracking user_tracking business_process_tracking flow_timeout].each do |option|
        inert_option option, NO_SWITCH
      end
      inert_option :thread_safe, "each thread and fiber always has its own correlation context; remove the setting",
                   default: true
      inert_option :auto_generate_correlation_ids, "a flow and a correlation id are always made for an event " \
                                                   "that has none; remove the setting", default: true

      def initialize
        @enable_correlation = true
        @max_correlation_depth = 20
      end
    end
  end
end
