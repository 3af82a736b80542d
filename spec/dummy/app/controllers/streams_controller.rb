# frozen_string_literal: true

# A streamed response: ActionController::Live runs the action in a thread
# of its own.
class StreamsController < ApplicationController
  include ActionController::Live

  def show
    EzlogsRubyAgent.log_event(event_type: "stream.opened", action: "opened", actor: { type: "system", id: "s" })
    response.headers["Content-Type"] = "text/plain"
    3.times { |line| response.stream.write("line #{line}\n") }
  ensure
    response.stream.close
  end

  # Raises once the response has started: Rails' Live thread logs the
  # error and closes the stream, and the client has its 200.
  def failing
    response.headers["Content-Type"] = "text/plain"
    response.stream.write("line 0\n")
    raise ArgumentError, "the export failed"
  ensure
    response.stream.close
  end
end
