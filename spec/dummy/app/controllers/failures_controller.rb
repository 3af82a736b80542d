# frozen_string_literal: true

require "net/http"

class FailuresController < ApplicationController
  class Kaboom < StandardError; end
  class Handled < StandardError; end
  class Upstream < StandardError; end

  rescue_from(Handled) { render plain: "handled", status: 422 }

  def boom
    raise Kaboom, "the controller blew up"
  end

  def handled
    raise Handled, "the app answered it"
  end

  # A client's error that quotes the URL it was given, %-encoded as the
  # request's own query string.
  def relay
    raise Upstream, "401 Unauthorized for GET #{request.original_url}"
  end

  # A call to a service that is down: the error is raised deep inside
  # net/http and the socket library.
  def unreachable
    port = TCPServer.open("127.0.0.1", 0) { |server| server.addr[1] }
    Net::HTTP.get(URI("http://127.0.0.1:#{port}/"))
  end
end
