# frozen_string_literal: true

require "json"
require "net/http"

# The OTLP/HTTP logs receiver of spec/support/otlp/receiver.py, which
# decodes what arrives with the official opentelemetry-proto classes, run
# with the Python environment bin/setup made for this Debian release.
# `answers`: its script, one answer per request (see receiver.py).
class OtlpReceiver
  PYTHON = File.expand_path(
    "../../tmp/otlp-python/debian#{File.read("/etc/os-release")[/^VERSION_ID="?(\d+)/, 1]}/bin/python", __dir__
  )
  SCRIPT = File.expand_path("otlp/receiver.py", __dir__)

  attr_reader :port

  def initialize(*answers)
    unless File.executable?(PYTHON)
      raise "#{PYTHON} is missing: bin/setup makes it (a Python virtual environment with opentelemetry-proto)"
    end

    @output = IO.popen([PYTHON, SCRIPT, *answers])
    @port = Integer(@output.gets || raise("the OTLP receiver did not start: #{SCRIPT}"))
  end

  def endpoint = "otlp+http://127.0.0.1:#{port}"

  # Every POST so far: [{"path", "headers", "request", "at"}], the request
  # as the official classes decoded it, in protobuf's JSON mapping.
  def received
    JSON.parse(Net::HTTP.get(URI("http://127.0.0.1:#{port}/received")))
  end

  # The log records of every request, in order.
  def log_records
    received.flat_map do |post|
      post.dig("request", "resourceLogs").to_a.flat_map do |resource_logs|
        resource_logs["scopeLogs"].flat_map { |scope_logs| scope_logs["logRecords"] }
      end
    end
  end

  def stop
    Process.kill("TERM", @output.pid)
    @output.close
  end
end
