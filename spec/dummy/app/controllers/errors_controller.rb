# frozen_string_literal: true

# Error pages served by the app's own routes, as apps do with
# `config.exceptions_app = routes` (DUMMY_EXCEPTIONS_APP=routes).
class ErrorsController < ApplicationController
  def not_found
    render json: { error: "not found" }, status: :not_found
  end

  def internal_error
    render json: { error: "internal error" }, status: :internal_server_error
  end
end
