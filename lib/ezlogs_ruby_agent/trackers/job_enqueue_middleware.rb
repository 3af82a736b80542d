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
      Tracking.safely("writing 0.1.19's job keys") { legacy_wrapper_keys(job) } if active_job?(job)
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

      # Sidekiq drops `at` when it schedules the job, and stamps
      # `enqueued_at` when its poller moves it to the queue, seconds late.
      job[JobPayload::DUE_AT_KEY] = job["at"] if job["at"].is_a?(Numeric)

      JobEnqueue.start.tap { |enqueue| JobPayload.write(job, JobPayload.dump(enqueue.job_context)) }
    end

    def track?(job)
      Tracking.enabled?(:sidekiq) && !JobPayload.carries_context?(job) && !SidekiqJobTracker.active_job_wrapper?(job)
    end

    def active_job?(job)
      SidekiqJobTracker.active_job_wrapper?(job) && Tracking.enabled?(:active_job)
    end

    # An ActiveJob job carries its context inside its payload (JobTracker);
    # a 0.1.19 worker read it from the Sidekiq job around it.
    def legacy_wrapper_keys(job)
      payload = Array(job["args"]).first
      data = payload[JobPayload::KEY] if payload.is_a?(Hash)
      JobPayload.write_legacy(job, data) if data.is_a?(Hash) && !job.key?(JobPayload::LEGACY_KEY)
    end

    def record(worker_class, job, queue, started)
      job_class = job["class"].to_s.empty? ? worker_class.to_s : job["class"].to_s
      JobEnqueue.record(started, job_class:, job_id: job["jid"], arguments: job["args"],
                                 queue:, scheduled_at: job["at"] && Time.at(job["at"].to_f))
    end
  end
end
