# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # The top-level settings of 0.1.19 (and of its first releases, before
    # the groups), so that its initializers boot: each maps onto the
    # option it became, or is said once to have no effect. The groups keep
    # their own former names beside their options.
    module FormerOptions
      # The names of 0.1.19's first settings, before the groups.
      RENAMED = {
        capture_http: "instrumentation.http", capture_callbacks: "instrumentation.active_record",
        capture_jobs: "instrumentation.background_jobs", resources_to_track: "included_resources",
        exclude_resources: "excluded_resources", flush_interval: "delivery.flush_interval",
        max_buffer_size: "performance.event_buffer_size"
      }.freeze
      ENDPOINT = "write delivery.endpoint = \"http://host:port/events\""
      JOB_ADAPTER = "ActiveJob and Sidekiq jobs are each tracked when loaded; " \
                    "turn one off with instrumentation.active_job or instrumentation.sidekiq = false"
      INERT = {
        agent_host: ENDPOINT, agent_port: ENDPOINT,
        included_fields: "events carry the fields Rails gives; keep one out with security.sensitive_fields " \
                         "(redacted) or Rails' filter_parameters"
      }.freeze

      def self.included(configuration)
        RENAMED.each { |former, option| configuration.renamed_option(former, option) }
        INERT.each { |option, instead| configuration.inert_option(option, instead) }
        # Unset, job_adapter reads as 0.1.19's default did: the job library found.
        configuration.inert_option(:job_adapter, JOB_ADAPTER) { detect_job_adapter }
        configuration.former_options << "excluded_fields"
      end

      # 0.1.19's name for `instrumentation`, deprecated there already.
      def collect(&)
        ProblemReporter.bad_setting("config.collect is the former name of config.instrumentation",
                                    "write config.instrumentation")
        instrumentation(&)
      end

      # Fields 0.1.19's docs said to leave out of events: redacted, as
      # security.sensitive_fields are.
      def excluded_fields = security.sensitive_fields

      def excluded_fields=(fields)
        security.sanitize_fields = fields
      end

      # 0.1.19's public readers of the defaults: the names the
      # configuration falls back to, and the job library it finds.
      def detect_service_name = service_name
      def detect_environment = environment
      def detect_job_adapter = defined?(::Sidekiq) ? :sidekiq : :active_job

      # 0.1.19 froze its configuration here. The settings are handed to the
      # native core by `configure`, and a change made later has no effect
      # until the next `configure`: there is nothing to freeze.
      def freeze!
        ProblemReporter.bad_setting("config.freeze! has no effect",
                                    "settings take effect at EzlogsRubyAgent.configure; one changed later " \
                                    "waits for the next configure")
        self
      end

      # 0.1.19's shorthand; a nil argument changes nothing. Returns the
      # configuration.
      def quick_setup(service_name: nil, environment: nil)
        self.service_name = service_name if service_name
        self.environment = environment if environment
        self
      end
    end
  end
end
