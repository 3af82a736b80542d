# frozen_string_literal: true

# A worker Sidekiq does not retry, whose sidekiq_retries_exhausted block
# raises (a notifier that is down): Sidekiq reports that error to its error
# handlers as well as the job's.
class ExhaustedWorker
  include Sidekiq::Worker
  sidekiq_options queue: "default", retry: 0
  sidekiq_retries_exhausted { |_job, _error| raise "the notifier is down" }

  def perform(note)
    raise IOError, "gave up on #{note}"
  end
end
