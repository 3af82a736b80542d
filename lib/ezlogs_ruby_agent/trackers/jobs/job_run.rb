# frozen_string_literal: true

module EzlogsRubyAgent
  # One run of a job (ActiveJob or Sidekiq): restores the enqueuer's
  # context as a child, picks the `job.execution` event id up front so that
  # what the job does can name it, and records the event when the run ends.
  # The previous context is put back in `ensure`, so a worker thread that
  # is reused never carries one job's context into the next.
  class JobRun
    # `enqueued` is the context carried in the payload (nil when the job was
    # enqueued without one).
    def initialize(job_class:, job_id:, queue:, enqueued:)
      @job_class = job_class
      @job_id = job_id
      @queue = queue
      @enqueued = enqueued
    end

    # Runs the job (the block) and returns what it returns. What the job
    # raised is recorded; what interrupted the recording of a run that
    # completed (a timeout, a shutdown) is not the job's, and goes on.
    def run(&work)
      previous = Tracking.safely("reading the context") { CorrelationManager.current_context }
      started = start
      result = begin
        work.call
      rescue Exception => e # rubocop:disable Lint/RescueException -- recorded, then re-raised untouched
        finish(started, nil, e, escaped: true) if started
        raise
      end
      finish(started, result, @handled_error&.call, escaped: false)
      result
    ensure
      Native.context_set(previous)
    end

    # Extra metadata for the event, from whoever runs the job; a block
    # called with (result, error, escaped) when the run has ended, `escaped`
    # telling whether the error was raised out of the run.
    def details(&block)
      @details = block
      self
    end

    # The run's arguments and result for the event (`{arguments:,
    # result:}`, and `secrets:` for the `secrets` block, not the event): a
    # block called with (result, error) when the run has ended, but not
    # for a run an interruption ended (Native.interruption?: Sidekiq's
    # shutdown, a timeout, an Interrupt), since reading them runs the app's
    # code (their as_json), which would hold the interruption up.
    def payload(&block)
      @payload = block
      self
    end

    # What the run's error message may quote that the event's redaction
    # does not see (JobArguments.secrets): a block called when the run
    # failed, with the `secrets:` the payload gave (nil when it gave none).
    def secrets(&block)
      @secrets = block
      self
    end

    # An error the job raised and handled itself (ActiveJob's retry_on and
    # discard_on): the run failed although nothing was raised out of it.
    def handled_error(&block)
      @handled_error = block
      self
    end

    # Records a run that failed before it started (FailedStart,
    # SidekiqErrorHandler), timed from `started` ({started_at:,
    # started_ms:}); untimed when nothing timed the attempt.
    def failed_before_start(error, started = {})
      finish(Tracking.safely("starting job.execution") { opened.merge(started) }, nil, error, escaped: true)
    end

    private

    def start
      Tracking.safely("starting job.execution") do
        started = opened
        Native.context_set(Native.derive_context(started[:context], started[:event_id], {}))
        started[:started_at] = Time.now
        started[:started_ms] = Tracking.clock_ms
        started
      end
    end

    # The run's context and event id. A job run without a payload context
    # (perform_now) belongs to the work that runs it.
    def opened
      { context: @enqueued || CorrelationManager.create_child_context(nil), event_id: Native.new_event_id }
    end

    def finish(started, result, error, escaped:)
      return unless started

      Tracking.safely("recording job.execution") do
        timing = timing_of(started)
        metadata = event_metadata(timing, result, error, escaped)
        Tracking.record("job.execution", "#{@job_class}.#{error ? "failed" : "completed"}",
                        actor: ActorExtractor.extract, subject: { type: "job", id: @job_id.to_s },
                        metadata:, timing:, event_id: started[:event_id], context: started[:context])
      end
    end

    # The event's metadata. A run an interruption ended has no payload,
    # and its error no secrets, which are read from the arguments.
    def event_metadata(timing, result, error, escaped)
      metadata = { queue: @queue, job_class: @job_class, job_id: @job_id, duration_ms: timing&.[](:duration_ms) }
      interrupted = error && Native.interruption?(error)
      metadata.merge!(read("reading job details", @details, result, error, escaped))
      payload = interrupted ? {} : read("reading job arguments", @payload, result, error)
      hidden = payload.delete(:secrets)
      metadata.merge!(payload)
      metadata[:error] = Tracking.masked_error_summary(error, (@secrets&.call(hidden) unless interrupted)) if error
      metadata.compact
    end

    # What `block` gives for `args`, none when there is no block or it
    # failed: a failure costs that part of the metadata, not the event.
    def read(what, block, *args)
      (block && Tracking.safely(what) { block.call(*args) }) || {}
    end

    # None for a run that failed before it started.
    def timing_of(started)
      Tracking.timing(started[:started_at], started[:started_ms]) if started[:started_at]
    end
  end
end
