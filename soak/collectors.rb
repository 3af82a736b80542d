# frozen_string_literal: true

require "json"
require "monitor"
require "socket"

module Soak
  # Collectors on loopback, each a real TCP server on its own port, served
  # by threads of the harness. Each counts what it saw (connections,
  # requests, events, answers) for the report.
  #
  #   ok      answers 200 at once (the control)
  #   refuse  a socket bound to a port but never listening: every connect is
  #           refused, and the port stays reserved, so nothing else can take it
  #   hang    accepts and reads, never answers; closes when the agent does
  #   slow    answers 200 after 0.5 to 3 s
  #   flap    per connection: 200 (for 1 to 20 requests), a reset, a close
  #           without an answer or a 503; and every 5 to 20 s it goes down
  #           for 3 to 10 s, as a restarting collector does: its open
  #           connections are reset and its listener closed, so that
  #           connections are refused meanwhile
  module Collectors
    FAILING = %i[refuse hang slow flap].freeze
    ALL = [:ok, *FAILING].freeze

    def self.start_all
      ALL.to_h { |kind| [kind, const_get(kind.capitalize).new(kind)] }
    end

    # Reading requests and writing answers, and the counters.
    class Base
      attr_reader :kind, :port

      def initialize(kind)
        @kind = kind
        @lock = Mutex.new
        @counts = Hash.new(0)
        @port = open_port
      end

      def url
        "http://127.0.0.1:#{port}/events"
      end

      def counts
        @lock.synchronize { @counts.dup }
      end

      def stop
        @thread&.kill
        @server&.close
      end

      private

      def count(name, by = 1)
        @lock.synchronize { @counts[name] += by }
      end

      def open_port
        @server = TCPServer.new("127.0.0.1", 0)
        @thread = Thread.new { accept_loop(@server) }
        @server.addr[1]
      end

      def accept_loop(server)
        loop do
          socket = server.accept
          count(:connections)
          Thread.new(socket) { |client| serve_safely(client) }
        end
      rescue IOError, SystemCallError
        nil
      end

      def serve_safely(socket)
        serve(socket)
      rescue IOError, SystemCallError
        nil
      ensure
        socket.close unless socket.closed?
      end

      # Answers each request on the connection (keep-alive) until the agent
      # closes it (or `limit` requests), after `delay` seconds each.
      def serve_requests(socket, delay: nil, limit: nil)
        served = 0
        while (limit.nil? || served < limit) && (body = read_request(socket))
          sleep delay.call if delay
          answer(socket, 200, { status: "ok" })
          count(:events, events_in(body))
          served += 1
        end
      end

      # The body of the next HTTP request on the connection, or nil at EOF.
      def read_request(socket)
        socket.gets or return
        headers = read_headers(socket)
        count(:requests)
        return read_chunked(socket) if headers["transfer-encoding"].to_s.include?("chunked")

        socket.read(headers.fetch("content-length", "0").to_i) || ""
      end

      def read_headers(socket)
        headers = {}
        while (line = socket.gets) && line != "\r\n"
          name, value = line.split(":", 2)
          headers[name.strip.downcase] = value.to_s.strip
        end
        headers
      end

      def read_chunked(socket)
        body = +""
        while (size = socket.gets.to_s.to_i(16)).positive?
          body << socket.read(size)
          socket.gets
        end
        socket.gets
        body
      end

      # Counted, not parsed: the harness shares two cores with its children.
      def events_in(body)
        body.scan('"event_id":').size
      end

      def answer(socket, status, payload)
        body = JSON.generate(payload)
        socket.write("HTTP/1.1 #{status} X\r\nContent-Type: application/json\r\n" \
                     "Content-Length: #{body.bytesize}\r\n\r\n#{body}")
        count(:"answered_#{status}")
      end

      # Resets the connection (RST) instead of closing it.
      def reset(socket)
        socket.setsockopt(Socket::SOL_SOCKET, Socket::SO_LINGER, [1, 0].pack("ii"))
        socket.close
        count(:resets)
      end
    end

    # Answers 200 at once.
    class Ok < Base
      private

      def serve(socket)
        serve_requests(socket)
      end
    end

    # Bound, never listening: connections are refused.
    class Refuse < Base
      private

      def open_port
        @socket = Socket.new(:INET, :STREAM)
        @socket.bind(Addrinfo.tcp("127.0.0.1", 0))
        @socket.local_address.ip_port
      end

      public

      def stop
        @socket.close
      end
    end

    # Reads whatever comes and never answers.
    class Hang < Base
      private

      def serve(socket)
        count(:unanswered) while read_request(socket)
      end
    end

    # Answers 200 after 0.5 to 3 s.
    class Slow < Base
      private

      def serve(socket)
        serve_requests(socket, delay: -> { rand(0.5..3.0) })
      end
    end

    # Alternates per connection, and refuses connections for a few seconds now and then.
    class Flap < Base
      MODES = %i[ok ok reset close fail].freeze

      private

      def open_port
        live
        port = super
        @supervisor = Thread.new { flap(port) }
        port
      end

      # Goes down for 3-10 s every 5-20 s: closes the listener and resets
      # the open connections, then listens again on the same port.
      def flap(port)
        loop do
          sleep rand(5.0..20.0)
          @thread.kill
          @server.close
          live.synchronize { live.each_key { |socket| reset(socket) unless socket.closed? } }
          count(:down_periods)
          sleep rand(3.0..10.0)
          listen_again(port)
        end
      end

      # The connections being served: {socket => true}, a Monitor too.
      def live
        @live ||= {}.extend(MonitorMixin)
      end

      def listen_again(port)
        @server = TCPServer.new("127.0.0.1", port)
        @thread = Thread.new { accept_loop(@server) }
      rescue Errno::EADDRINUSE
        sleep 0.5
        retry
      end

      def serve(socket)
        live.synchronize { live[socket] = true }
        case MODES.sample
        when :ok then serve_requests(socket, limit: rand(1..20))
        when :reset then reset(socket)
        when :close then read_request(socket) && count(:closed_unanswered)
        else read_request(socket) && answer(socket, 503, { error: "flapping" })
        end
      ensure
        live.synchronize { live.delete(socket) }
      end

      public

      def stop
        @supervisor.kill
        super
      end
    end
  end
end
