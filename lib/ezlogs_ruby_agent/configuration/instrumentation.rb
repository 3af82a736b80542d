# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # Which sources of events are on. All are on by default.
    class Instrumentation
      include Checks
      include Inspection

      OPTION_PREFIX = "instrumentation."
      SWITCHES = %i[http active_record active_job sidekiq mail custom].freeze

      SWITCHES.each { |switch| checked_option switch, :check_boolean }

      def initialize
        SWITCHES.each { |switch| instance_variable_set(:"@#{switch}", true) }
      end
    end
  end
end
