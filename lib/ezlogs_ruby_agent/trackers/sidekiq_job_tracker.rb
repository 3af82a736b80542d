# frozen_string_literal: true

module EzlogsRubyAgent
  # Sidekiq server middleware: a `job.execution` event per run of a Sidekiq
  # worker. ActiveJob jobs on the Sidekiq adapter are reported by JobTracker
  # instead, so each run gives exactly one event.
  class SidekiqJobTracker
    ACTIVE_JOB_WRAPPER = "ActiveJob::QueueAdapters::SidekiqAdapter::JobWrapper"
    CURRENT_JOB = :__ezlogs_sidekiq_job
    # The Sidekiq job whose run a tracker recorded last on this thread
    # (SidekiqErrorHandler records the runs none did).
    TRACKED_JOB = :__ezlogs_tracked_sidekiq_job

    def self.active_job_wrapper?(job)
      job["class"].to_s == ACTIVE_JOB_WRAPPER
    end

    # Notes that a tracker records the run of the Sidekiq job now running
    # on this thread, if any.
    def self.tracking_current_job
      Thread.current[TRACKED_JOB] = Thread.current[CURRENT_JOB]
    end

    # Whether a tracker recorded this run of `job` (the job hash Sidekiq
    # handed its middleware); forgets it, so the hash is not held.
    def self.tracked?(job)
      Thread.current[TRACKED_JOB].equal?(job)
    ensure
      Thread.current[TRACKED_JOB] = nil
    end

    # The Sidekiq job running on this thread when it is the wrapper of the
    # ActiveJob job `active_job_id`; nil otherwise.
    def self.wrapper_of(active_job_id)
      job = Thread.current[CURRENT_JOB]
      payload = Array(job&.[]("args")).first
      job if payload.is_a?(Hash) && payload["job_id"] == active_job_id
    end

    # When Sidekiq put the ActiveJob job `active_job_id` back on its queue
    # for this retry (the ActiveJob payload inside still says when it was
    # first enqueued); nil for a first run, or when the Sidekiq job running
    # on this thread is not that job's wrapper.
    def self.retry_requeued_at(active_job_id)
      job = wrapper_of(active_job_id)
      job["enqueued_at"] if job&.key?("retry_count") && job["enqueued_at"].is_a?(Numeric)
    end

    # The context a 0.1.19 web process wrote around the ActiveJob job
    # `active_job_id` (on the Sidekiq job that wraps it), when that job
    # runs on this thread; nil otherwise.
    def self.legacy_wrapper_context(active_job_id)
      job = wrapper_of(active_job_id)
      JobPayload.context_from(job) if job && !job["args"].first.key?(JobPayload::KEY)
    end

    # An ActiveJob job's Sidekiq job is kept at hand whatever
    # instrumentation.sidekiq says: JobTracker reads its retries and the
    # context a 0.1.19 process wrote around it.
    def call(_worker, job, queue, &)
      return with_current_job(job, &) if self.class.active_job_wrapper?(job)
      return yield unless Tracking.enabled?(:sidekiq)

      with_current_job(job) { run(job, queue, &) }
    end

    private

    def run(job, queue, &)
      self.class.tracking_current_job
      waited = queue_wait_ms(job)
      JobRun.new(job_class: job["class"].to_s, job_id: job["jid"], queue:, enqueued: JobPayload.context_from(job))
            .details { |_result, error| { queue_wait_ms: waited, **SidekiqRetries.details(job, error) } }
            .payload { |result, error| payload(job, result, error) }
            .secrets { |hidden| JobArguments.secrets(job["args"], job["class"], hidden) }
            .run(&)
    end

    def payload(job, result, error)
      restored = JobArguments.restore_records(job["args"], job[JobPayload::RECORDS_KEY])
      arguments, hidden = JobArguments.described(restored, nil, job["class"])
      { arguments:, result: error ? nil : JobPayload.result_summary(result), secrets: hidden }
    end

    # From when the job became due to now, when it starts: its scheduled
    # time (JobEnqueueMiddleware kept it) for its first run, else when
    # Sidekiq enqueued it (or re-enqueued it for a retry).
    def queue_wait_ms(job)
      due_at = job[JobPayload::DUE_AT_KEY] unless job.key?("retry_count")
      due_at = job["enqueued_at"] unless due_at.is_a?(Numeric)
      Tracking.ms_since(due_at, Time.now) if due_at.is_a?(Numeric)
    end

    def with_current_job(job)
      previous = Thread.current[CURRENT_JOB]
      Thread.current[CURRENT_JOB] = job
      yield
    ensure
      Thread.current[CURRENT_JOB] = previous
    end
  end
end
