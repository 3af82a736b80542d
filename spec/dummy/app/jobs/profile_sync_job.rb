# frozen_string_literal: true

# Copies a user's profile elsewhere; a user not found (yet) is tried again
# later.
class ProfileSyncJob < ApplicationJob
  retry_on ActiveJob::DeserializationError, wait: 5.minutes, attempts: 3

  def perform(user)
    user.email
  end
end
