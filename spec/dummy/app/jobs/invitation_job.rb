# frozen_string_literal: true

# Accepts an invitation by its token, looked up as a user's id, so that
# ActiveRecord's RecordNotFound quotes the token.
class InvitationJob < ApplicationJob
  discard_on ActiveRecord::RecordNotFound

  def perform(token:, user_id:)
    User.find(token) && user_id
  end
end
