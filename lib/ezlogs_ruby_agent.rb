# frozen_string_literal: true

require_relative "ezlogs_ruby_agent/version"
require_relative "ezlogs_ruby_agent/errors"
require_relative "ezlogs_ruby_agent/native"
require_relative "ezlogs_ruby_agent/problem_reporter"
require_relative "ezlogs_ruby_agent/configuration"
require_relative "ezlogs_ruby_agent/bounded_copy"
require_relative "ezlogs_ruby_agent/safe_parameter_filter"
require_relative "ezlogs_ruby_agent/app_filter"
require_relative "ezlogs_ruby_agent/hidden_values"
require_relative "ezlogs_ruby_agent/correlation_manager"
require_relative "ezlogs_ruby_agent/correlation_api"
require_relative "ezlogs_ruby_agent/universal_event"
require_relative "ezlogs_ruby_agent/event_writer"
require_relative "ezlogs_ruby_agent/event_processor"
require_relative "ezlogs_ruby_agent/delivery_engine"
require_relative "ezlogs_ruby_agent/pipeline_classes"
require_relative "ezlogs_ruby_agent/performance_monitor"
require_relative "ezlogs_ruby_agent/introspection"
require_relative "ezlogs_ruby_agent/flow_tree"
require_relative "ezlogs_ruby_agent/debug_output"
require_relative "ezlogs_ruby_agent/boot_line"
require_relative "ezlogs_ruby_agent/doctor"
require_relative "ezlogs_ruby_agent/debug_tools"
require_relative "ezlogs_ruby_agent/exit_hooks"
require_relative "ezlogs_ruby_agent/error_backtrace"
require_relative "ezlogs_ruby_agent/tracking"
require_relative "ezlogs_ruby_agent/resource_filter"
require_relative "ezlogs_ruby_agent/actor_extractor"
require_relative "ezlogs_ruby_agent/trackers/http_tracker"
require_relative "ezlogs_ruby_agent/trackers/callbacks_tracker"
require_relative "ezlogs_ruby_agent/trackers/job_tracker"
require_relative "ezlogs_ruby_agent/trackers/sidekiq_job_tracker"
require_relative "ezlogs_ruby_agent/trackers/sidekiq_inline"
require_relative "ezlogs_ruby_agent/trackers/sidekiq_error_handler"
require_relative "ezlogs_ruby_agent/trackers/job_enqueue_middleware"
require_relative "ezlogs_ruby_agent/trackers/mail_tracker"
require_relative "ezlogs_ruby_agent/railtie" if defined?(Rails::Railtie)

# Rails event tracking with a Rust core. See README.md.
module EzlogsRubyAgent
  extend Introspection
  extend CorrelationApi

  @performance_monitor = PerformanceMonitor.new

  # 0.1.19's matchers, loaded when named (they need the testing helpers).
  autoload :TestHelpers, "ezlogs_ruby_agent/test_helpers"

  class << self
    def config
      @config ||= Configuration.new
    end

    # Back to the defaults (for test suites that change the configuration).
    def reset_configuration
      @config = nil
      configure
    end

    # Yields the configuration, then hands it to the native core; the
    # app's filter_parameters the core cannot apply go to AppFilter, and
    # are reported once. When the block leaves early (it raises, `break`s,
    # `return`s, `throw`s), what it set before is put in force all the
    # same, so that the configuration says what the agent does. A setting
    # the agent refuses (ConfigurationError: a bad value, an unknown
    # option) does not stop the app's boot: it is said on stderr, with the
    # fix, and the agent is off (the block's later settings, which may be
    # its filters, were not made) until the setting is corrected.
    # (A setter called outside `configure` raises it.)
    def configure(&)
      yielded = false
      run_configure_block(&)
      yielded = true
      apply_configuration
    ensure
      unless yielded
        begin
          apply_configuration
        rescue *FAILURES
          nil # what left the block says what is wrong
        end
      end
    end

    # Logs a custom event in the current correlation context and returns its
    # event_id. Bad input is reported once per problem and call site, and
    # returns nil; nothing raises into the caller. `timestamp` (a Time, or
    # an RFC 3339 String; 0.1.19's first releases took it): when the event
    # happened, when not now.
    def log_event(event_type:, action:, actor:, subject: nil, metadata: nil, timestamp: nil)
      metadata = @app_filter.values(metadata) if @app_filter
      return Native.log_event(event_type, action, actor, subject, metadata) unless timestamp
      return unless Tracking.enabled?(:custom)

      Native.emit(UniversalEvent.new(event_type:, action:, actor:, subject:, metadata:, timestamp:))
    rescue InvalidEventError => e
      ProblemReporter.bad_call(e.message)
      nil
    rescue *FAILURES => e
      ProblemReporter.internal(e, "log_event")
      nil
    end

    # Within the block, events are captured in memory (synchronously, with
    # no network) instead of delivered; see captured_events. The block
    # starts from an empty capture, and when it ends the capture is the
    # one before it again: a nested block's events are not in the outer
    # block's, and nothing carries over from one block to the next.
    # Returns the block's value.
    def test_mode
      previous = Native.set_test_mode(true)
      Native.begin_capture_scope
      yield
    ensure
      Native.end_capture_scope
      Native.set_test_mode(previous ? true : false)
    end

    # A copy of what has been captured: [{event:, captured_at:, thread_id:}],
    # oldest first, `event` being the Hash that would have been sent
    # (Symbol keys), `captured_at` a Time, `thread_id` the logging thread's
    # `object_id`. At most 100,000 entries; later events are dropped and
    # counted (metrics[:events_dropped][:queue_full]).
    def captured_events
      Native.captured_events || []
    end

    # Empties the capture.
    def clear_captured_events
      Native.clear_captured_events
    end

    # Blocks (without holding the GVL) until the events logged so far are
    # delivered or `timeout` seconds pass (Float::INFINITY: until they
    # are). True only when every one of them was delivered; false when any
    # was dropped (see `metrics`) or still pending at the timeout, and while
    # the spool holds events (this process's or an earlier one's).
    def flush(timeout: config.delivery.shutdown_timeout)
      Native.flush(timeout.to_f) ? true : false
    end

    # Sends what is queued as at exit (no retry waits; a collector that
    # cannot be reached fails at once), says on stderr what was not
    # delivered, then stops delivery: later events are dropped and counted
    # (`shutdown`). True when everything was delivered.
    def shutdown(timeout: config.delivery.shutdown_timeout)
      Native.shutdown(timeout.to_f) ? true : false
    end

    def writer
      @writer ||= EventWriter.new
    end

    def processor
      @processor ||= EventProcessor.new
    end

    def delivery_engine
      @delivery_engine ||= DeliveryEngine.new
    end

    private

    def run_configure_block
      yield config if block_given?
    rescue ConfigurationError => e
      ProblemReporter.refused_setting(e)
      config.refused!(e.message[/\A[\w.\[\]]+/] || "a setting")
    end

    def apply_configuration
      settings = config.to_native
      # What the core leaves to Rails' RemoteIp, said once it tracks
      # something: a switched-off agent (EZLOGS_ENABLED=false) boots quietly.
      config.rails_settings.report if config.enabled
      # The core first: when it refuses the settings, it keeps its old
      # filters, and AppFilter keeps the ones that go with them.
      Native.configure(settings)
      DebugOutput.use(config.debug_output)
      # Copies are kept while `EzlogsRubyAgent.debug_mode = true` (0.1.19's
      # debug mode) and no longer once debug_mode is off.
      Native.set_keep_copies(false) unless config.debug_mode
      # AppFilter when it has filters to apply: log_event checks this ivar
      # (about 200 instructions) rather than calling AppFilter (480), in a
      # call whose share in the core is 10,000.
      @app_filter = AppFilter.use(config.rails_settings.filter_parameters) ? AppFilter : nil
      config
    end
  end

  # As the gem loads, with what the environment set (EZLOGS_*). The
  # variables were checked one by one; should the core still refuse them
  # together, the gem loads all the same, with the core's defaults, and says
  # so: a stray variable must not stop the app from booting.
  begin
    configure
  rescue Error => e
    ProblemReporter.bad_setting("the settings read from EZLOGS_* variables were refused (#{e.message})",
                                "the agent runs with its defaults until EzlogsRubyAgent.configure succeeds")
  end
  ExitHooks.install
end
