# frozen_string_literal: true

# A plain Sidekiq worker (not ActiveJob).
class AuditWorker
  include Sidekiq::Worker
  sidekiq_options queue: "default", retry: 1

  def perform(user_id, note)
    raise ArgumentError, "note must not be 'fail'" if note == "fail"

    perform_jobs_inline(user_id) if note == "perform_now"
    User.find(user_id).update!(name: "audited: #{note}")
    AuditWorker.perform_async(user_id, "follow-up") if note == "chain"
    note
  end

  private

  def perform_jobs_inline(user_id)
    SyncJob.perform_now(user_id)
    BrokenJob.perform_now(user_id)
  rescue BrokenJob::Broken
    nil
  end
end
