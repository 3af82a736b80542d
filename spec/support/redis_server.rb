# frozen_string_literal: true

require "socket"
require "tmpdir"

# A throwaway redis-server on a free loopback port, with no persistence.
class RedisServer
  attr_reader :url

  def self.available?
    system("command -v redis-server >/dev/null 2>&1")
  end

  def start
    @dir = Dir.mktmpdir("ezlogs-redis")
    port = free_port
    @pid = Process.spawn("redis-server", "--port", port.to_s, "--bind", "127.0.0.1", "--save", "",
                         "--appendonly", "no", "--dir", @dir, out: File::NULL, err: File::NULL)
    @url = "redis://127.0.0.1:#{port}/0"
    wait_until_up(port)
    self
  end

  def stop
    return unless @pid

    Process.kill("TERM", @pid)
    Process.wait(@pid)
    FileUtils.remove_entry(@dir)
    @pid = nil
  end

  private

  def free_port
    server = TCPServer.new("127.0.0.1", 0)
    server.addr[1]
  ensure
    server&.close
  end

  def wait_until_up(port, timeout: 10)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout
    loop do
      socket = TCPSocket.new("127.0.0.1", port)
      socket.write("PING\r\n")
      return socket.close if socket.gets&.start_with?("+PONG")
    rescue SystemCallError
      raise "redis-server did not start on port #{port} within #{timeout} s" if
        Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline

      sleep 0.05
    end
  end
end
