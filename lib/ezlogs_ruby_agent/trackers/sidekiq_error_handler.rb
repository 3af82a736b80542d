# frozen_string_literal: true

module EzlogsRubyAgent
  # A Sidekiq error handler (Sidekiq calls its error handlers with each
  # error a job raised): records a failed `job.execution` for a run that
  # failed before a tracker saw it start, which would otherwise leave no
  # event: a worker whose class this process cannot load (during a rolling
  # deploy, a worker older or newer than the code that enqueued it), or a
  # server middleware ahead of the agent's that raised. (An ActiveJob job
  # whose class cannot be loaded gets there: FailedStart records it.)
  #
  # The event has no duration, as nothing timed the run, and no arguments:
  # the job's `job.enqueue` has them.
  class SidekiqErrorHandler
    # What Sidekiq's processor says when a run failed: its other reports
    # (a `sidekiq_retries_exhausted` block or a death handler that raised,
    # an error past the retry logic) are about a run already reported, and
    # carry a copy of the job hash.
    FAILED_RUN = "Job raised exception"

    # Sidekiq 7 passes its configuration as a third argument; Sidekiq 6
    # passes two. `context[:job]` is the job hash Sidekiq handed its
    # middleware.
    def call(error, context, _config = nil)
      return unless context.is_a?(Hash) && context[:context] == FAILED_RUN

      job = context[:job]
      return unless job.is_a?(Hash) && !SidekiqJobTracker.tracked?(job)

      Tracking.safely("recording a Sidekiq job that failed before it started") { record(job, error) }
    end

    private

    def record(job, error)
      if SidekiqJobTracker.active_job_wrapper?(job)
        payload = Array(job["args"]).first
        FailedStart.new(payload, job).record(error) if payload.is_a?(Hash) && Tracking.enabled?(:active_job)
      elsif Tracking.enabled?(:sidekiq)
        JobRun.new(job_class: job["class"].to_s, job_id: job["jid"], queue: job["queue"],
                   enqueued: JobPayload.context_from(job))
              .details { |_result, failure| SidekiqRetries.details(job, failure) }
              .failed_before_start(error)
      end
    end
  end
end
