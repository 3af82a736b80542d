# frozen_string_literal: true

module EzlogsRubyAgent
  # Sidekiq client middleware: a `job.enqueue` event when a Sidekiq worker is
  # enqueued, and the enqueuer's context written into the job hash. Jobs
  # Sidekiq pushes again itself (retries, scheduled jobs coming due) already
  # carry a context and are not enqueued anew.
  class JobEnqueueMiddleware
    def call(worker_class, job, queue, _redis_pool)
      inline = SidekiqInline.take_inline
      Tracking.safely("joining Sidekiq::Testing") { SidekiqInline.join_testing_chain } if SidekiqInline.testing?
      return yield unless track?(job)

      started = Tracking.safely("starting job.enqueue") { start(job, inline) }
      pushed = yield
      Tracking.safely("recording job.enqueue") { record(worker_class, job, queue, started) } if pushed && started
      pushed
    end

    private

    # A job run at once (perform_inline) is not enqueued: it carries no
    # context, and runs under the current event.
    def start(job, inline)
      records = JobArguments.record_paths(job["args"])
      job[JobPayload::RECORDS_KEY] = records unless records.empty?
      return if inline

      JobEnqueue.start.tap { |enqueue| job[JobPayload::KEY] = JobPayload.dump(enqueue.job_context) }
    end

    def track?(job)
      Tracking.enabled?(:sidekiq) && !job.key?(JobPayload::KEY) && !SidekiqJobTracker.active_job_wrapper?(job)
    end

    def record(worker_class, job, queue, started)
      job_class = job["class"].to_s.empty? ? worker_class.to_s : job["class"].to_s
      JobEnqueue.record(started, job_class:, job_id: job["jid"], arguments: job["args"],
                                 queue:, scheduled_at: job["at"] && Time.at(job["at"].to_f))
    end
  end
end
