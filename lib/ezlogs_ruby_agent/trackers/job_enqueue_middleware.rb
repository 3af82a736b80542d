# frozen_string_literal: true

module EzlogsRubyAgent
  # Sidekiq client middleware: a `job.enqueue` event when a Sidekiq worker is
  # enqueued, and the enqueuer's context written into the job hash. Jobs
  # Sidekiq pushes again itself (retries, scheduled jobs coming due) already
  # carry a context and are not enqueued anew.
  class JobEnqueueMiddleware
    def call(worker_class, job, queue, _redis_pool)
      return yield unless track?(job)

      event_id = Tracking.safely("starting job.enqueue") do
        Native.new_event_id.tap do |id|
          job[JobPayload::KEY] = JobPayload.dump(CorrelationManager.create_child_context(id))
        end
      end
      pushed = yield
      Tracking.safely("recording job.enqueue") { record(worker_class, job, queue, event_id) } if pushed && event_id
      pushed
    end

    private

    def track?(job)
      Tracking.enabled?(:sidekiq) && !job.key?(JobPayload::KEY) && !SidekiqJobTracker.active_job_wrapper?(job)
    end

    def record(worker_class, job, queue, event_id)
      job_class = job["class"].to_s.empty? ? worker_class.to_s : job["class"].to_s
      JobEnqueue.record(event_id:, job_class:, job_id: job["jid"], arguments: job["args"],
                        queue:, scheduled_at: job["at"] && Time.at(job["at"].to_f))
    end
  end
end
