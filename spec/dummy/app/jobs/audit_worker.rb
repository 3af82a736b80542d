# frozen_string_literal: true

# A plain Sidekiq worker (not ActiveJob).
class AuditWorker
  include Sidekiq::Worker
  sidekiq_options queue: "default", retry: 1

  def perform(user_id, note)
    raise ArgumentError, "note must not be 'fail'" if note == "fail"

    User.find(user_id).update!(name: "audited: #{note}")
    AuditWorker.perform_async(user_id, "follow-up") if note == "chain"
    note
  end
end
