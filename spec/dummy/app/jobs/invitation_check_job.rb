# frozen_string_literal: true

# InvitationJob with its token by position: the parameter's name is all
# that says it is filtered (invite_code is in filter_parameters).
class InvitationCheckJob < ApplicationJob
  discard_on ActiveRecord::RecordNotFound

  def perform(user_id, invite_code)
    User.find(invite_code) && user_id
  end
end
