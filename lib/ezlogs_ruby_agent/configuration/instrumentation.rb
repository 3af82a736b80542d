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

      # The framework each tracker needs the app to have loaded (an app made
      # with `rails new --skip-action-mailer` has no ActionMailer); http and
      # custom need none.
      FRAMEWORKS = { active_record: "ActiveRecord", active_job: "ActiveJob", mail: "ActionMailer",
                     sidekiq: "Sidekiq" }.freeze

      SWITCHES.each { |switch| checked_option switch, :check_boolean }

      def self.framework_loaded?(switch)
        framework = FRAMEWORKS[switch]
        framework.nil? || Object.const_defined?(framework)
      end

      # 0.1.19's names, from `config.collect` (the former name of this group).
      renamed_option :http_requests, :http
      renamed_option :database_changes, :active_record
      renamed_option :custom_events, :custom
      renamed_option :resources_to_track, "config.included_resources"
      renamed_option :exclude_resources, "config.excluded_resources"
      former_options << "background_jobs"

      def initialize
        SWITCHES.each { |switch| instance_variable_set(:"@#{switch}", true) }
      end

      # 0.1.19's switch for jobs, ActiveJob's and Sidekiq's alike.
      def background_jobs = active_job && sidekiq

      def background_jobs=(on)
        self.active_job = on
        self.sidekiq = on
      end

      private

      # The configuration keeps the switches the trackers read (Configuration#switches).
      def changed(_switch)
        @configuration&.switches_changed
      end
    end
  end
end
