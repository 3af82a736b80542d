# frozen_string_literal: true

# Uses the session; answers with the session's id, which only the client
# and the app should know.
class VisitsController < ApplicationController
  def show
    session[:visits] = session[:visits].to_i + 1
    id = session.id
    render plain: id.respond_to?(:public_id) ? id.public_id : id.to_s
  end
end
