# frozen_string_literal: true

require "json"
require "socket"
require "zlib"
require_relative "http_wire"

# A collector on loopback that follows the ezlogs agent's protocol (DESIGN
# section 5): it peeks at each connection, parses HTTP requests to /events
# or /, reads anything else as raw JSON to EOF, takes an array or one object,
# checks that event_type has exactly one dot, ignores Content-Encoding (so a
# gzip body fails: it holds NUL bytes), answers 400 for bodies over 10 MB or
# with NUL bytes and 500 for invalid JSON, and closes every connection.
#
# Tests script trouble with `fail_next`, `hang_next` and `reset_next`, and
# read what arrived with `events` and `requests`.
class Collector
  MAX_BODY = 10 * 1024 * 1024

  include HttpWire

  attr_reader :port

  def initialize(port: 0)
    @server = TCPServer.new("127.0.0.1", port)
    @port = @server.addr[1]
    @lock = Mutex.new
    @events = []
    @requests = []
    @script = []
    @decode_gzip = false
    @acceptor = Thread.new { accept_loop }
  end

  # A collector that starts listening on `port` only after `delay` seconds
  # (a collector that is down when the app starts). The thread's value is it.
  def self.start_later(port, delay:)
    Thread.new do
      sleep delay
      new(port:)
    end
  end

  def url(path = "/events")
    "http://127.0.0.1:#{port}#{path}"
  end

  # Unlike the ezlogs agent, read gzip bodies (to check what a remote
  # collector would get).
  def decode_gzip!
    @decode_gzip = true
  end

  # Like a remote collector with a body limit: bodies over `bytes` get 413.
  def refuse_bodies_over(bytes)
    @body_limit = bytes
  end

  # The next `count` requests get `status` (with `headers`) instead of being
  # read; `quoting: true` quotes in the answer the credentials they carried,
  # as some APIs' refusals do.
  def fail_next(count, status:, headers: {}, quoting: false)
    script(count, [:fail, status, headers, quoting])
  end

  # The next `count` requests get no answer for `seconds`.
  def hang_next(count, seconds:)
    script(count, [:hang, seconds])
  end

  # The next `count` connections are reset in the middle of the body.
  def reset_next(count)
    script(count, [:reset])
  end

  def events
    @lock.synchronize { @events.dup }
  end

  def requests
    @lock.synchronize { @requests.dup }
  end

  def stop
    @acceptor.kill
    @server.close
  end

  private

  def script(count, action)
    @lock.synchronize { count.times { @script << action } }
  end

  def accept_loop
    loop do
      socket = @server.accept
      Thread.new(socket) { |client| serve(client) }
    end
  rescue IOError, Errno::EBADF
    nil
  end

  def serve(socket)
    action, *args = @lock.synchronize { @script.shift }
    return reset(socket) if action == :reset

    request = read_request(socket) or return
    case action
    when :fail then respond(socket, args[0], failure_answer(request, quoting: args[2]), args[1])
    when :hang then sleep args[0]
    else accept(socket, request)
    end
  rescue IOError, SystemCallError
    nil
  ensure
    socket.close unless socket.closed?
  end

  def accept(socket, request)
    @lock.synchronize { @requests << request }
    status, payload = verdict(request)
    respond(socket, status, payload)
  end

  def verdict(request)
    refusal = refusal(request)
    return refusal if refusal

    events = Array(JSON.parse(body(request)))
    return [500, { error: "empty batch" }] if events.empty?

    bad = events.find { |event| event["event_type"].to_s.count(".") != 1 }
    return [500, { error: "bad event_type #{bad["event_type"]}" }] if bad

    @lock.synchronize { @events.concat(events) }
    [200, { status: "ok", received: events.size }]
  rescue JSON::ParserError => e
    [500, { error: "invalid JSON: #{e.message[0, 80]}" }]
  end

  def refusal(request)
    return [404, { error: "not found" }] unless ["/events", "/"].include?(request.path)
    return [400, { error: "body too large" }] if request.body.bytesize > MAX_BODY
    return [413, { error: "over #{@body_limit} bytes" }] if @body_limit && request.body.bytesize > @body_limit

    [400, { error: "NUL byte in body" }] if body(request).include?("\0")
  end

  def body(request)
    return request.body unless @decode_gzip && request.headers["content-encoding"] == "gzip"

    Zlib.gunzip(request.body)
  end
end
