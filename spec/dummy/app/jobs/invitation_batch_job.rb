# frozen_string_literal: true

# Positional arguments as Ruby binds them around a `*rest`, keywords after
# it, and a private perform (ActiveJob runs it).
class InvitationBatchJob < ApplicationJob
  private

  def perform(user_id, *notes, invite_code, reminder: false)
    [user_id, notes.size, invite_code.size, reminder]
  end
end
