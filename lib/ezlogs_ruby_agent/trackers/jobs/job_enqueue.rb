# frozen_string_literal: true

module EzlogsRubyAgent
  # The `job.enqueue` event, alike for ActiveJob and Sidekiq: its id is
  # chosen before the job is pushed, so that the job's payload can name it,
  # and it is recorded once the queue took the job.
  module JobEnqueue
    # `context`: what the enqueue is recorded in, the current context or,
    # outside any (a console, a rake task), a new flow. `job_context`: what
    # the job carries, a child of it naming the enqueue event.
    Started = Struct.new(:event_id, :context, :job_context)

    module_function

    def start
      context = CorrelationManager.current_context || Native.derive_context(nil, nil, {})
      event_id = Native.new_event_id
      Started.new(event_id, context, Native.derive_context(context, event_id, {}))
    end

    # `details`: what the queue says of the job (queue, scheduled_at, ...),
    # in the order they should appear; nil values are left out. `error`:
    # what the enqueue raised once the adapter had the job (a queue that
    # refused it; Rails' inline adapter running a job that failed, whose
    # job.execution names this event as its parent). `arguments`: nil when
    # they may not be read (an interruption ended the enqueue).
    # `log_arguments`: false when the job keeps them out of the log (left
    # out here too; its error's message is still masked where it quotes
    # them). `serialized_arguments`: the arguments as ActiveJob serialised
    # them, if it did (JobArguments).
    def record(started, job_class:, job_id:, arguments:, log_arguments: true, serialized_arguments: nil, error: nil,
               **details)
      shown, hidden = (JobArguments.described(arguments, serialized_arguments, job_class) if arguments && log_arguments)
      secrets = error && arguments && JobArguments.secrets(arguments, job_class, hidden)
      metadata = { job_class:, job_id:, **details, arguments: shown,
                   error: error && Tracking.masked_error_summary(error, secrets) }.compact
      Tracking.record("job.enqueue", "#{job_class}.enqueued",
                      actor: ActorExtractor.extract, subject: { type: "job", id: job_id.to_s },
                      metadata:, event_id: started.event_id, context: started.context)
    end
  end
end
