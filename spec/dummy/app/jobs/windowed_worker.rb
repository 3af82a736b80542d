# frozen_string_literal: true

# A worker retried within a time window (`retry_for`, Sidekiq 7.1.3 and
# later; older versions ignore it) that is over at once.
class WindowedWorker
  include Sidekiq::Worker
  sidekiq_options queue: "default", retry: 3, retry_for: 0

  def perform(note)
    raise IOError, "failed #{note}"
  end
end
