# frozen_string_literal: true

module EzlogsRubyAgent
  # An ActiveJob run that failed before it started: ActiveJob could not
  # build the job from its data, most often because this process cannot
  # load the job's class (during a rolling deploy, a worker older or newer
  # than the code that enqueued it). `perform_now` never ran, so JobTracker
  # recorded nothing; this records the failed `job.execution` from the job
  # data. It has no arguments: the class, which may keep them out of the
  # log (`log_arguments`), cannot be asked.
  class FailedStart
    STARTED = :__ezlogs_active_job_started

    # Called by JobTracker when a run starts on this thread.
    def self.started
      Thread.current[STARTED] = true
    end

    # Runs ActiveJob's `execute` (the block) for `job_data`, the job's
    # serialized Hash, on every backend; records a failed run when it
    # raises before the run started, timed from here.
    def self.watch(job_data)
      outer = Thread.current[STARTED]
      Thread.current[STARTED] = false
      SidekiqJobTracker.tracking_current_job
      started = { started_at: Time.now, started_ms: Tracking.clock_ms }
      yield
    rescue Exception => e # rubocop:disable Lint/RescueException -- recorded, then re-raised untouched
      new(job_data).record(e, started) unless Thread.current[STARTED]
      raise
    ensure
      Thread.current[STARTED] = outer
    end

    # `sidekiq_job`: the Sidekiq job that wraps it, when Sidekiq runs it.
    def initialize(job_data, sidekiq_job = SidekiqJobTracker.wrapper_of(job_data["job_id"]))
      @data = job_data
      @sidekiq_job = sidekiq_job
    end

    # `started`: {started_at:, started_ms:} when the attempt was timed.
    def record(error, started = {})
      Tracking.safely("recording an ActiveJob job that failed before it started") do
        JobRun.new(job_class: @data["job_class"].to_s, job_id: @data["job_id"], queue: @data["queue_name"],
                   enqueued: JobPayload.context_from(@data) || (JobPayload.context_from(@sidekiq_job) if @sidekiq_job))
              .details { |_result, failure| details(failure) }
              .failed_before_start(error, started)
      end
    end

    private

    # The attempt counts ActiveJob's runs before this one (`executions`)
    # and Sidekiq's retries of it.
    def details(error)
      { attempt: @data["executions"].to_i + SidekiqRetries.retries_of(@sidekiq_job) + 1,
        retry_scheduled: (SidekiqRetries.scheduled?(@sidekiq_job, error) if @sidekiq_job),
        provider_job_id: @data["provider_job_id"] || @sidekiq_job&.[]("jid") }
    end
  end
end
