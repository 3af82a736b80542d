# frozen_string_literal: true

require_relative "jobs/job_arguments"
require_relative "jobs/job_payload"
require_relative "jobs/job_enqueue"
require_relative "jobs/job_run"
require_relative "jobs/failed_start"
require_relative "jobs/sidekiq_retries"

module EzlogsRubyAgent
  # ActiveJob: `job.enqueue` when a job is enqueued, `job.execution` for each
  # run. The enqueuer's context travels in the serialized job. Prepended to
  # ActiveJob::Base by the Railtie.
  module JobTracker
    def self.prepended(base)
      base.singleton_class.prepend(Execute)
      base.around_enqueue { |job, block| Enqueue.new(job).call(&block) }
      ActiveSupport::Notifications.subscribe("enqueue_retry.active_job") do |*, payload|
        payload[:job]&.instance_variable_set(:@__ezlogs_retry_scheduled, true)
      end
    end

    # The job's data plus the context it runs in and when it became due.
    # Errors of Rails' own serialisation (an argument it cannot serialise)
    # reach the app untouched.
    def serialize
      data = super
      Tracking.safely("ActiveJob serialize") do
        @__ezlogs_serialized_arguments = data["arguments"]
        data.merge(__ezlogs_payload)
      end || data
    end

    def deserialize(job_data)
      super
      @__ezlogs_serialized_arguments = job_data["arguments"]
      @__ezlogs_enqueued_context = JobPayload.context_from(job_data) ||
                                   Tracking.safely("reading 0.1.19's job context") do
                                     SidekiqJobTracker.legacy_wrapper_context(job_data["job_id"])
                                   end
      @__ezlogs_due_at = job_data[JobPayload::DUE_AT_KEY]
    end

    def perform_now
      return super unless Tracking.enabled?(:active_job)

      FailedStart.started
      @__ezlogs_error = nil
      @__ezlogs_retry_scheduled = false
      execution = Execution.new(self, Time.now)
      JobRun.new(job_class: self.class.name, job_id:, queue: queue_name, enqueued: @__ezlogs_enqueued_context)
            .handled_error { @__ezlogs_error }
            .secrets { |hidden| JobArguments.secrets(arguments, self.class, hidden) }
            .details(&execution.method(:details))
            .payload(&execution.method(:payload))
            .run { super }
    end

    # Keeps the error a run raised, as perform_now hands it to the job's
    # retry_on, discard_on and rescue_from handlers, which may handle it:
    # also one raised before the perform callbacks, such as the
    # ActiveJob::DeserializationError of a record deleted since the enqueue.
    def rescue_with_handler(exception, *, **)
      @__ezlogs_error = exception
      super
    end

    def __ezlogs_enqueue_context=(context)
      @__ezlogs_enqueue_context = context
      @__ezlogs_serialized = false
    end

    # Whether the adapter took the job (serialised it) since the enqueue
    # began; a before_enqueue callback may have aborted it.
    def __ezlogs_serialized?
      @__ezlogs_serialized ? true : false
    end

    # When the job became due (enqueued, or its scheduled time), as a
    # precise epoch: Rails 6.1 stores `enqueued_at` to the second.
    def __ezlogs_due_at
      @__ezlogs_due_at
    end

    # The arguments as ActiveJob last serialised or deserialised them (the
    # job data's "arguments"), nil before either: JobArguments takes the
    # records' GlobalIDs from there.
    def __ezlogs_serialized_arguments
      @__ezlogs_serialized_arguments
    end

    # Whether the job's events may carry its arguments, and its result,
    # which may echo them: not when its class keeps its arguments out of
    # Rails' log (`self.log_arguments = false`, Rails 6.1 and later, for a
    # token or a password), which is the app's filter.
    def __ezlogs_log_arguments?
      !self.class.respond_to?(:log_arguments?) || self.class.log_arguments?
    end

    def __ezlogs_payload
      @__ezlogs_serialized = true
      return {} unless Tracking.enabled?(:active_job)

      context = @__ezlogs_enqueue_context || CorrelationManager.current_context
      payload = { JobPayload::DUE_AT_KEY => (scheduled_at || Time.now).to_f }
      payload[JobPayload::KEY] = JobPayload.dump(context) if context
      payload
    end

    def __ezlogs_retry_scheduled?
      @__ezlogs_retry_scheduled ? true : false
    end

    # ActiveJob::Base.execute, which every backend calls with the job's
    # data to build the job and run it.
    module Execute
      def execute(job_data)
        return super unless Tracking.enabled?(:active_job)

        FailedStart.watch(job_data) { super }
      end
    end

    # `job.enqueue` for one ActiveJob enqueue.
    class Enqueue
      def initialize(job)
        @job = job
      end

      def call(&)
        return yield unless Tracking.enabled?(:active_job)

        started = Tracking.safely("starting job.enqueue") do
          JobEnqueue.start.tap { |enqueue| @job.__ezlogs_enqueue_context = enqueue.job_context }
        end
        result = enqueue(started, &)
        Tracking.safely("recording job.enqueue") { record_when_enqueued(started) } if started
        result
      end

      private

      # The adapter's enqueue. What it raised once it had the job is
      # recorded: a queue that refused it, or Rails' inline adapter running
      # a job that failed (whose job.execution names this event).
      def enqueue(started)
        yield
      rescue Exception => e # rubocop:disable Lint/RescueException -- recorded, then re-raised untouched
        Tracking.safely("recording job.enqueue") { record(started, e) if @job.__ezlogs_serialized? } if started
        raise
      end

      # Recorded once the adapter took the job (serialised it). Rails 7.2
      # may hold a job enqueued in a transaction until it commits
      # (enqueue_after_transaction_commit): the callbacks have run, the
      # adapter has not, and Rails calls it from an after-commit callback
      # registered before this one; none runs if the transaction rolls back.
      def record_when_enqueued(started)
        return record(started) if @job.__ezlogs_serialized?
        return unless held_until_commit?

        ::ActiveRecord.after_all_transactions_commit do
          Tracking.safely("recording job.enqueue") { record(started) if @job.__ezlogs_serialized? }
        end
      end

      def held_until_commit?
        @job.respond_to?(:successfully_enqueued?) && @job.successfully_enqueued? &&
          defined?(::ActiveRecord) && ::ActiveRecord.respond_to?(:after_all_transactions_commit)
      end

      # Without the arguments when an interruption ended the enqueue (an
      # inline job's timeout, a shutdown): reading them runs the app's code.
      def record(started, error = nil)
        interrupted = error && Native.interruption?(error)
        JobEnqueue.record(started, job_class: @job.class.name, job_id: @job.job_id,
                                   arguments: (@job.arguments unless interrupted),
                                   log_arguments: @job.__ezlogs_log_arguments?,
                                   serialized_arguments: (@job.__ezlogs_serialized_arguments unless interrupted),
                                   error:, queue: @job.queue_name, provider_job_id: @job.provider_job_id,
                                   adapter: adapter_name, scheduled_at: @job.scheduled_at && Time.at(@job.scheduled_at))
      end

      def adapter_name
        @job.class.queue_adapter_name
      rescue *FAILURES
        nil
      end
    end

    # What a finished ActiveJob run adds to its `job.execution` event.
    class Execution
      def initialize(job, started_at)
        @job = job
        @started_at = started_at
        # Sidekiq's job when it runs this one (not when this one is
        # performed inline by another job or worker).
        @sidekiq_job = SidekiqJobTracker.wrapper_of(job.job_id)
      end

      def details(_result, error, escaped)
        {
          queue_wait_ms:, attempt:, executions: @job.executions,
          retry_scheduled: error ? retry_scheduled?(error, escaped) : nil, provider_job_id: @job.provider_job_id
        }
      end

      # The arguments and the result, none when the job keeps its arguments
      # out of the log (the result may echo them).
      def payload(result, error)
        return {} unless @job.__ezlogs_log_arguments?

        logged, hidden = JobArguments.described(arguments, @job.__ezlogs_serialized_arguments, @job.class)
        { arguments: logged, result: error ? nil : JobPayload.result_summary(result), secrets: hidden }
      end

      private

      # Arguments Rails could not deserialise (a record deleted since the
      # enqueue: it keeps them serialised) as the enqueue reported them,
      # each record as its GlobalID.
      def arguments
        serialized = @job.instance_variable_get(:@serialized_arguments)
        serialized.nil? || serialized.empty? ? @job.arguments : JobArguments.from_serialized(serialized)
      end

      # From when the job became due (enqueued, retried, or its scheduled
      # time) to the start of this run.
      def queue_wait_ms
        due_at = SidekiqJobTracker.retry_requeued_at(@job.job_id) || @job.__ezlogs_due_at ||
                 (@job.enqueued_at && Time.iso8601(@job.enqueued_at.to_s).to_f)
        Tracking.ms_since(due_at, @started_at) if due_at
      rescue ArgumentError
        nil
      end

      # ActiveJob counts its own retries in `executions`; Sidekiq's retries of
      # an ActiveJob job rerun the same payload, so they are added.
      def attempt
        @job.executions.to_i + SidekiqRetries.retries_of(@sidekiq_job)
      end

      # Whether retry_on enqueued a retry, which an error let through may
      # follow (an inline retry that failed again raises through this
      # run). Else, for an error let through: whether Sidekiq will retry
      # it, when the job runs on Sidekiq; other backends do not say (nil).
      def retry_scheduled?(error, escaped)
        return true if @job.__ezlogs_retry_scheduled?
        return false unless escaped

        SidekiqRetries.scheduled?(@sidekiq_job, error) if @sidekiq_job
      end
    end
  end
end
