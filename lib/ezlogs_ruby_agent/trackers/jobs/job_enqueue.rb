# frozen_string_literal: true

module EzlogsRubyAgent
  # The `job.enqueue` event, alike for ActiveJob and Sidekiq: recorded once
  # the queue took the job, under the event id its payload already names.
  module JobEnqueue
    module_function

    # `details`: what the queue says of the job (queue, scheduled_at, ...),
    # in the order they should appear; nil values are left out.
    def record(event_id:, job_class:, job_id:, arguments:, **details)
      metadata = { job_class:, job_id:, **details, arguments: JobPayload.arguments(arguments) }.compact
      Tracking.record("job.enqueue", "#{job_class}.enqueued",
                      actor: ActorExtractor.extract, subject: { type: "job", id: job_id.to_s },
                      metadata:, event_id:)
    end
  end
end
