# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # Which sources of events are on. All are on by default.
    class Instrumentation
      include Checks

      SWITCHES = %i[http active_record active_job sidekiq mail custom].freeze

      attr_reader(*SWITCHES)

      SWITCHES.each do |switch|
        define_method(:"#{switch}=") do |on|
          instance_variable_set(:"@#{switch}", check_boolean("instrumentation.#{switch}", on))
        end
      end

      def initialize
        SWITCHES.each { |switch| instance_variable_set(:"@#{switch}", true) }
      end
    end
  end
end
