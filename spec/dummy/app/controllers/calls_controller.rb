# frozen_string_literal: true

# Shows the headers the app would send on an outbound HTTP call.
class CallsController < ApplicationController
  def outbound
    render json: EzlogsRubyAgent.propagation_headers
  end
end
