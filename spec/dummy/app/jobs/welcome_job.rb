# frozen_string_literal: true

# Greets a new user. A user deleted before it ran is gone for good, as
# Rails' ApplicationJob template suggests: the job is discarded.
class WelcomeJob < ApplicationJob
  discard_on ActiveJob::DeserializationError

  def perform(user)
    "welcome, #{user.name}"
  end
end
