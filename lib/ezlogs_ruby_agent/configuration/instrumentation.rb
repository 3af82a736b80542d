# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # Which sources of events are on. All are on by default.
    class Instrumentation
      include Checks
      include Inspection
      include UnknownOptions

      OPTION_PREFIX = "instrumentation."
      SWITCHES = %i[http active_record active_job sidekiq mail custom].freeze
      # The Rails frameworks' names, for the switch that covers each.
      OTHER_NAMES = { "action_mailer" => "mail", "action_controller" => "http", "action_dispatch" => "http",
                      "rack" => "http", "activerecord" => "active_record", "activejob" => "active_job" }.freeze

      SWITCHES.each { |switch| checked_option switch, :check_boolean }

      def initialize
        SWITCHES.each { |switch| instance_variable_set(:"@#{switch}", true) }
      end
    end
  end
end
