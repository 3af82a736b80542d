# frozen_string_literal: true

# A plain Sidekiq worker given a secret by position (api_secret: "secret"
# is one of the built-in names).
class ApiSyncWorker
  include Sidekiq::Worker
  sidekiq_options queue: "default", retry: false

  def perform(user_id, api_secret)
    "synced #{user_id} with #{api_secret.length} characters"
  end
end
