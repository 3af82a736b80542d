# frozen_string_literal: true

# A collector for the benches, in another process: one thread per
# connection, HTTP/1.1 keep-alive; it reads each request whole and answers
# 200 without parsing it (to /v1/logs as an OTLP receiver: an empty
# ExportLogsServiceResponse, which is no bytes; anything else as the ezlogs
# agent), so that the agent, not the collector, sets the pace.
class SinkCollector
  SERVER = <<~'RUBY'
    require "socket"
    OTLP_ANSWER = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nContent-Type: application/x-protobuf\r\n\r\n"
    EZLOGS_ANSWER = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}"
    server = TCPServer.new("127.0.0.1", 0)
    STDOUT.puts server.addr[1]
    STDOUT.flush
    loop do
      Thread.new(server.accept) do |socket|
        while (line = socket.gets)
          length = 0
          while (header = socket.gets) && header != "\r\n"
            length = header.split(":", 2)[1].to_i if header.downcase.start_with?("content-length:")
          end
          socket.read(length)
          socket.write(line.include?("/v1/logs") ? OTLP_ANSWER : EZLOGS_ANSWER)
        end
      rescue IOError, SystemCallError
        nil
      end
    end
  RUBY

  def initialize
    @process = IO.popen([RbConfig.ruby, "-e", SERVER])
    @port = Integer(@process.gets)
  end

  # The two sinks a bench compares: the ezlogs agent's JSON, OTLP/HTTP logs.
  def endpoints
    { "ezlogs HTTP (JSON)" => "http://127.0.0.1:#{@port}/events",
      "OTLP/HTTP (protobuf)" => "otlp+http://127.0.0.1:#{@port}" }
  end

  def stop
    Process.kill(:TERM, @process.pid)
    @process.close
  end
end
