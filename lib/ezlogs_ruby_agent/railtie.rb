# frozen_string_literal: true

module EzlogsRubyAgent
  # Zero configuration in Rails: installs the trackers as the frameworks
  # load. Each tracker checks `enabled` and its `instrumentation` switch on
  # every use, so options set in config/initializers apply even though the
  # hooks are installed before those files run. With EZLOGS_ENABLED=false,
  # read before, none is installed.
  class Railtie < ::Rails::Railtie
    rake_tasks do
      load File.expand_path("tasks/ezlogs.rake", __dir__)
    end

    initializer "ezlogs_ruby_agent.http" do |app|
      next unless EzlogsRubyAgent.config.enabled

      app.config.middleware.insert(0, HttpTracker)
      ActiveSupport::Notifications.subscribe("process_action.action_controller", HttpTracker::ControllerDetails)
      ActionDispatch::DebugExceptions.register_interceptor(HttpTracker::RequestDetails.method(:note_raised))
    end

    initializer "ezlogs_ruby_agent.active_record" do
      next unless EzlogsRubyAgent.config.enabled

      ActiveSupport.on_load(:active_record) { include CallbacksTracker }
    end

    initializer "ezlogs_ruby_agent.active_job" do
      next unless EzlogsRubyAgent.config.enabled

      ActiveSupport.on_load(:active_job) { prepend JobTracker }
    end

    initializer "ezlogs_ruby_agent.action_mailer" do
      next unless EzlogsRubyAgent.config.enabled

      ActiveSupport.on_load(:action_mailer) do
        prepend MailTracker::Origin
        singleton_class.prepend(MailTracker::FailedDelivery::Handler)
        ::Mail::Message.prepend(MailTracker::FailedDelivery::Message)
        register_observer(MailTracker)
      end
    end

    # The client middleware goes into the server configuration as well, so
    # that jobs enqueued from jobs keep the chain. The server middleware is
    # added in every process (SidekiqInline); the error handler records the
    # runs that failed before it (SidekiqErrorHandler).
    initializer "ezlogs_ruby_agent.sidekiq" do
      next unless defined?(::Sidekiq) && EzlogsRubyAgent.config.enabled

      ::Sidekiq.configure_client do |config|
        config.client_middleware { |chain| chain.add JobEnqueueMiddleware }
      end
      ::Sidekiq.configure_server do |config|
        config.client_middleware { |chain| chain.add JobEnqueueMiddleware }
        config.error_handlers << SidekiqErrorHandler.new
      end
      SidekiqInline.install
    end

    # After the app's initializers: the environment's destination, the
    # Rails settings, and the boot line.
    config.after_initialize do
      Tracking.safely("choosing the environment's destination") { Railtie.choose_destination(Rails.env) }
      Railtie.apply_rails_settings
      Tracking.safely("writing the boot line") { BootLine.write(Rails.logger) }
    end

    # Where events go when the app chose no endpoint (delivery.endpoint or
    # EZLOGS_ENDPOINT):
    # - test: into the capture (`captured_events`, bounded), as in a
    #   `test_mode` block, so that no test run waits on a collector at exit;
    # - development: printed to the Rails log as flow trees (log://), so
    #   that a developer without a collector sees them;
    # - any other environment: the default endpoint, the local ezlogs agent.
    def self.choose_destination(env)
      delivery = EzlogsRubyAgent.config.delivery
      return if delivery.endpoint_chosen?

      Native.set_test_mode(true) if env.test?
      delivery.print_by_default if env.development?
    end

    # Rails' filter_parameters are set by an initializer that may run after
    # the app's own call to configure: hand the settings over once more.
    # Whatever goes wrong then is reported, never raised into the boot.
    def self.apply_rails_settings
      EzlogsRubyAgent.configure
    rescue *FAILURES => e
      problem = e.is_a?(ConfigurationError) ? e.message : e.class.name
      ProblemReporter.bad_setting("configuring with the app's Rails settings failed: #{problem}",
                                  "the settings configured before stay in force")
    end
  end
end
