# frozen_string_literal: true

# Sends a password reset link. Its token must stay out of the logs, as
# Rails' log_arguments lets a job say.
class PasswordResetJob < ApplicationJob
  self.log_arguments = false

  def perform(user_id, token)
    "sent #{token} to #{user_id}"
  end
end
