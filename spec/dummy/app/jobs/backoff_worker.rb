# frozen_string_literal: true

# A worker whose sidekiq_retry_in chooses the delay before each retry
# (from Sidekiq 6.5.2 it may also answer :kill or :discard).
class BackoffWorker
  include Sidekiq::Worker
  sidekiq_options queue: "default", retry: 3
  sidekiq_retry_in { |_count, _error| 3_600 }

  def perform(note)
    raise IOError, "failed #{note}"
  end
end
