# frozen_string_literal: true

require "base64"
require_relative "../support/otlp_receiver"

# Delivery as OTLP/HTTP logs to a receiver on loopback that decodes every
# request with the official opentelemetry-proto classes (Python), so that
# what is checked here is what any OpenTelemetry Collector would read. The
# agent runs in its own process, as it would in an app.
RSpec.describe "Delivering events as OTLP logs" do
  let(:receiver) { @receiver = OtlpReceiver.new(*answers) }
  let(:answers) { [] }

  after { @receiver&.stop }

  def run_agent(body, configure: "")
    settings = <<~RUBY
      c.service_name = "shop"
      c.environment = "test"
      c.delivery.endpoint = #{receiver.endpoint.inspect}
      c.delivery.retry_backoff = 0.2
      #{configure}
    RUBY
    script = "#{body}\nSTDOUT.puts JSON.generate(pid: Process.pid, metrics: EzlogsRubyAgent.metrics)"
    result = run_ruby(agent_script(settings, script))
    expect(result).to be_success, result.stderr
    @stderr = result.stderr
    result.stdout.lines.map { |line| JSON.parse(line) }
  end

  def attributes(list)
    list.to_h { |kv| [kv["key"], plain(kv["value"])] }
  end

  # An AnyValue in protobuf's JSON mapping as a plain Ruby value (an empty
  # one, OTLP's null, as nil).
  def plain(any)
    key, value = any.first
    case key
    when "kvlistValue" then attributes(value["values"].to_a)
    when "arrayValue" then value["values"].to_a.map { |item| plain(item) }
    when "intValue" then Integer(value)
    else value
    end
  end

  def hex(base64) = Base64.decode64(base64).unpack1("H*")

  # The log records in each request the receiver got, in order.
  def record_counts
    receiver.received.map do |post|
      post["request"]["resourceLogs"].sum { |resource_logs| only(resource_logs["scopeLogs"])["logRecords"].size }
    end
  end

  # The one element of `list` (Enumerable#sole is Rails' and Ruby 3.4's).
  def only(list)
    expect(list.size).to eq(1), "expected one, got #{list.size}"
    list.first
  end

  it "sends each event as a LogRecord the official classes decode: resource, scope, trace, correlation, metadata" do
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    printed = run_agent(<<~RUBY)
      EzlogsRubyAgent::CorrelationManager.start_request_context("req-1", traceparent: "00-#{trace_id}-00f067aa0ba902b7-01")
      ids = [
        EzlogsRubyAgent.log_event(event_type: "order.placed", action: "created", actor: { type: "user", id: 7 },
                                  subject: { type: "order", id: "o-1" },
                                  metadata: { total: 59.9, lines: [{ sku: "A", qty: 2 }], paid: true, note: nil }),
        EzlogsRubyAgent.log_event(event_type: "job.execution", action: "ReceiptJob.failed", actor: { type: "system", id: "system" },
                                  metadata: { error: { class: "RuntimeError", message: "boom" } })
      ]
      context = EzlogsRubyAgent::CorrelationManager.current_context.to_h
      STDOUT.puts JSON.generate(ids:, context:, thread: Thread.current.object_id)
      EzlogsRubyAgent.flush(timeout: 10)
    RUBY
    expected, finished = printed
    post = only(receiver.received)
    expect(post["path"]).to eq("/v1/logs")
    expect(post["headers"]).to include("content-type" => "application/x-protobuf",
                                       "user-agent" => "EzlogsRubyAgent/#{EzlogsRubyAgent::VERSION}")
    expect(post["headers"]).not_to include("x-ezlogs-agent")

    resource_logs = only(post["request"]["resourceLogs"])
    expect(attributes(resource_logs["resource"]["attributes"])).to include(
      "service.name" => "shop", "deployment.environment.name" => "test", "host.name" => Socket.gethostname,
      "process.pid" => finished["pid"], "process.runtime.name" => "ruby", "process.runtime.version" => RUBY_VERSION,
      "telemetry.sdk.name" => "ezlogs_ruby_agent", "telemetry.sdk.language" => "ruby",
      "telemetry.sdk.version" => EzlogsRubyAgent::VERSION
    )
    scope_logs = only(resource_logs["scopeLogs"])
    expect(scope_logs["scope"]).to eq("name" => "ezlogs_ruby_agent", "version" => EzlogsRubyAgent::VERSION)

    placed, failed = scope_logs["logRecords"]
    expect(placed).to include("severityNumber" => "SEVERITY_NUMBER_INFO", "severityText" => "INFO",
                              "eventName" => "order.placed", "body" => { "stringValue" => "created" })
    expect(failed).to include("severityNumber" => "SEVERITY_NUMBER_ERROR", "severityText" => "ERROR",
                              "eventName" => "job.execution")
    [placed, failed].each do |record|
      expect(hex(record["traceId"])).to eq(trace_id)
      expect(hex(record["spanId"])).to match(/\A\h{16}\z/).and(satisfy { |span| span != "0" * 16 })
      sent = Integer(record["timeUnixNano"])
      expect(sent).to be_within(60 * (10**9)).of(Process.clock_gettime(Process::CLOCK_REALTIME, :nanosecond))
      expect(record["observedTimeUnixNano"]).to eq(record["timeUnixNano"])
    end
    context = expected["context"]
    expect(attributes(placed["attributes"])).to include(
      "event.name" => "order.placed", "ezlogs.event_id" => expected["ids"][0],
      "ezlogs.actor" => { "type" => "user", "id" => 7 }, "ezlogs.subject" => { "type" => "order", "id" => "o-1" },
      "ezlogs.flow_id" => context["flow_id"], "ezlogs.correlation_id" => context["correlation_id"],
      "ezlogs.request_id" => "req-1",
      "ezlogs.metadata" => { "total" => 59.9, "lines" => [{ "sku" => "A", "qty" => 2 }], "paid" => true,
                             "note" => nil },
      "thread.id" => expected["thread"]
    )
    expect(attributes(failed["attributes"])).to include(
      "ezlogs.event_id" => expected["ids"][1],
      "ezlogs.metadata" => { "error" => { "class" => "RuntimeError", "message" => "boom" } }
    )
    # bytes_sent is what went over the wire: the protobuf, not the JSON it was made of.
    expect(finished["metrics"]).to include("events_delivered" => 2, "events_dropped_total" => 0,
                                           "bytes_sent" => Integer(post["headers"]["content-length"]))
    expect(finished["metrics"]["bytes_delivered"]).not_to eq(finished["metrics"]["bytes_sent"])
  end

  it "redacts and bounds what it sends, as every sink does" do
    run_agent(<<~RUBY)
      EzlogsRubyAgent.log_event(event_type: "user.signed_in", action: "ok", actor: { type: "user", id: 1 },
                                metadata: { password: "hunter2", note: "x" * 50_000 })
      EzlogsRubyAgent.flush(timeout: 10)
    RUBY
    metadata = attributes(only(receiver.log_records)["attributes"])["ezlogs.metadata"]
    expect(metadata["password"]).to eq("[REDACTED]")
    expect(metadata["note"].bytesize).to be < 50_000
    expect(receiver.received.to_s).not_to include("hunter2")
  end

  it "is checked by the doctor: the host resolves and a test event arrives as a log record" do
    run_agent("EzlogsRubyAgent::Doctor.new(out: STDERR).run")
    expect(@stderr).to match(/ok +endpoint host 127\.0\.0\.1 resolves/)
    expect(@stderr).to match(%r{ok +endpoint otlp\+http://127\.0\.0\.1:#{receiver.port} took a test event})
    expect(only(receiver.log_records)["eventName"]).to eq("ezlogs.doctor")
  end

  it "takes OpenTelemetry's variables where the app sets nothing of its own: endpoint, headers, service, resource" do
    env = { "OTEL_EXPORTER_OTLP_ENDPOINT" => "http://127.0.0.1:#{receiver.port}/",
            "OTEL_EXPORTER_OTLP_HEADERS" => "x-team=check%20out, authorization=Bearer k-9",
            "OTEL_SERVICE_NAME" => "billing",
            "OTEL_RESOURCE_ATTRIBUTES" => "service.version=1.4.2,k8s.pod.name=web-1,service.name=not-this" }
    script = agent_script("c.delivery.retry_backoff = 0.2", "emit(1); EzlogsRubyAgent.flush(timeout: 10)")
    result = run_ruby(script, env:)
    expect(result).to be_success, result.stderr
    post = only(receiver.received)
    expect(post["path"]).to eq("/v1/logs")
    expect(post["headers"]).to include("x-team" => "check out", "authorization" => "Bearer k-9")
    resource = attributes(only(post["request"]["resourceLogs"])["resource"]["attributes"])
    expect(resource).to include("service.name" => "billing", "service.version" => "1.4.2", "k8s.pod.name" => "web-1")
  end

  it "orders the endpoints: delivery.endpoint, EZLOGS_ENDPOINT, OTEL_EXPORTER_OTLP_LOGS_ENDPOINT, " \
     "OTEL_EXPORTER_OTLP_ENDPOINT (with /v1/logs)" do
    all = { "OTEL_EXPORTER_OTLP_ENDPOINT" => "http://a:4318", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT" => "https://b:4318/logs",
            "EZLOGS_ENDPOINT" => "http://c:9000/events" }
    endpoint = lambda do |env, configure = ""|
      run_ruby(agent_script(configure, "print EzlogsRubyAgent.config.delivery.endpoint"), env:)
    end
    expect(endpoint.call(all.slice("OTEL_EXPORTER_OTLP_ENDPOINT")).stdout).to eq("otlp+http://a:4318/v1/logs")
    expect(endpoint.call({ "OTEL_EXPORTER_OTLP_ENDPOINT" => "HTTP://a:4318/base/" }).stdout)
      .to eq("otlp+http://a:4318/base/v1/logs")
    # /v1/logs goes to the path: a query (a vendor's key) stays a query.
    expect(endpoint.call({ "OTEL_EXPORTER_OTLP_ENDPOINT" => "http://a:4318/?api_key=k" }).stdout)
      .to eq("otlp+http://a:4318/v1/logs?api_key=k")
    expect(endpoint.call({ "OTEL_EXPORTER_OTLP_ENDPOINT" => "http://a:4318//#top" }).stdout)
      .to eq("otlp+http://a:4318/v1/logs")
    # Checked as written: the message shows what the variable holds (no
    # credentials, no query), not the URL the agent would have made of it.
    port = endpoint.call({ "OTEL_EXPORTER_OTLP_ENDPOINT" => "http://u:s3cr3t@a:99999/x?k=s3cr3t" })
    expect(port.stdout).to eq("http://127.0.0.1:9000/events")
    expect(port.stderr).to include('OTEL_EXPORTER_OTLP_ENDPOINT "http://***@a:99999/x" has a port out of range ' \
                                   "(99999); OTEL_EXPORTER_OTLP_ENDPOINT is ignored")
    expect(port.stderr).not_to include("s3cr3t")
    expect(endpoint.call(all.except("EZLOGS_ENDPOINT")).stdout).to eq("otlp+https://b:4318/logs")
    expect(endpoint.call(all).stdout).to eq("http://c:9000/events")
    expect(endpoint.call(all, 'c.delivery.endpoint = "stdout://"').stdout).to eq("stdout://")
    bad = endpoint.call({ "OTEL_EXPORTER_OTLP_ENDPOINT" => "grpc://a:4317" })
    expect(bad.stdout).to eq("http://127.0.0.1:9000/events")
    expect(bad.stderr).to include("OTEL_EXPORTER_OTLP_ENDPOINT must be the http:// or https:// URL of an OTLP/HTTP " \
                                  'receiver (an OpenTelemetry Collector listens on port 4318), got "grpc://a:4317"')
    grpc = endpoint.call(all.slice("OTEL_EXPORTER_OTLP_ENDPOINT").merge("OTEL_EXPORTER_OTLP_PROTOCOL" => "grpc"))
    expect(grpc.stdout).to eq("http://127.0.0.1:9000/events")
    expect(grpc.stderr).to include('OTEL_EXPORTER_OTLP_PROTOCOL is "grpc", and the agent sends OTLP over HTTP ' \
                                   "in protobuf only: set it to http/protobuf")
  end

  it "sends OpenTelemetry's headers only to the endpoint they came with, and ignores a variable it cannot use" do
    otel = { "OTEL_EXPORTER_OTLP_ENDPOINT" => "http://127.0.0.1:#{receiver.port}",
             "OTEL_EXPORTER_OTLP_HEADERS" => "x-tenant=acme,api-key=s3cr3t-v4lue" }
    chosen = "c.delivery.endpoint = #{receiver.endpoint.inspect}"
    run_ruby(agent_script(chosen, "emit(1); EzlogsRubyAgent.flush(timeout: 10)"), env: otel)
    expect(only(receiver.received)["headers"]).not_to include("x-tenant", "api-key")

    broken = otel.merge("OTEL_EXPORTER_OTLP_HEADERS" => "x-tenant=acme,Authorization Bearer s3cr3t-v4lue",
                        "OTEL_EXPORTER_OTLP_LOGS_HEADERS" => "x-logs=1")
    result = run_ruby(agent_script("", "emit(2); EzlogsRubyAgent.flush(timeout: 10)"), env: broken)
    expect(result).to be_success, result.stderr
    expect(result.stderr).to include("OTEL_EXPORTER_OTLP_HEADERS: an entry has no \"=\" " \
                                     "(write key1=value1,key2=value2); OTEL_EXPORTER_OTLP_HEADERS is ignored")
    expect(result.stderr).not_to include("s3cr3t")
    expect(receiver.received.last["headers"]).to include("x-logs" => "1")
    expect(receiver.received.last["headers"]).not_to include("x-tenant")

    # A user and password in the variable's URL yield to its headers'
    # Authorization, and the message names the variables the app set.
    both = { "OTEL_EXPORTER_OTLP_ENDPOINT" => "http://ingest:s3cr3t-pw@127.0.0.1:#{receiver.port}",
             "OTEL_EXPORTER_OTLP_HEADERS" => "authorization=Bearer%20k-9" }
    result = run_ruby(agent_script("", "emit(3); EzlogsRubyAgent.flush(timeout: 10)"), env: both)
    expect(receiver.received.last["headers"]).to include("authorization" => "Bearer k-9")
    expect(result.stderr).to include("OTEL_EXPORTER_OTLP_ENDPOINT holds a user and password, which are not sent: " \
                                     "delivery.api_key (or an Authorization header in delivery.headers, " \
                                     "OTEL_EXPORTER_OTLP_LOGS_HEADERS or OTEL_EXPORTER_OTLP_HEADERS) is sent instead")
    expect(result.stderr).not_to include("s3cr3t", "k-9")
  end

  it "sends what is left at exit, and a forked child's events under the child's own Resource" do
    printed = run_agent(<<~RUBY)
      emit(1)
      child = fork do
        emit(2)
        STDOUT.puts JSON.generate(child: Process.pid)
      end
      Process.wait(child)
      emit(3)
    RUBY
    child = printed.first["child"]
    parent = printed.last["pid"]
    by_process = receiver.received.flat_map { |post| post["request"]["resourceLogs"] }.group_by do |resource_logs|
      attributes(resource_logs["resource"]["attributes"])["process.pid"]
    end
    actor_ids = by_process.transform_values do |list|
      records = list.flat_map { |resource_logs| only(resource_logs["scopeLogs"])["logRecords"] }
      records.map { |record| attributes(record["attributes"])["ezlogs.actor"]["id"] }
    end
    expect(actor_ids).to eq(parent => [1, 3], child => [2])
  end

  it "replays what a process spooled while the receiver was down, under that process's Resource" do
    Dir.mktmpdir("ezlogs-otlp-spool") do |spool_dir|
      server = TCPServer.new("127.0.0.1", 0)
      down = server.addr[1] # nothing listens there once closed
      server.close
      spool = "c.delivery.spool_dir = #{spool_dir.inspect}; c.delivery.retry_attempts = 1; " \
              "c.delivery.circuit_breaker_threshold = 1"
      first = run_ruby(agent_script("c.delivery.endpoint = 'otlp+http://127.0.0.1:#{down}'; #{spool}",
                                    "3.times { |i| emit(i) }; EzlogsRubyAgent.flush(timeout: 5); print Process.pid"))
      expect(first).to be_success, first.stderr
      expect(Dir.children(spool_dir)).not_to be_empty

      second = run_agent("emit(99); EzlogsRubyAgent.flush(timeout: 10)", configure: spool).last
      by_process = receiver.received.flat_map { |post| post["request"]["resourceLogs"] }.map do |resource_logs|
        records = only(resource_logs["scopeLogs"])["logRecords"]
        [attributes(resource_logs["resource"]["attributes"])["process.pid"],
         records.map { |record| attributes(record["attributes"])["ezlogs.actor"]["id"] }]
      end
      expect(by_process).to eq([[Integer(first.stdout), [0, 1, 2]], [second["pid"], [99]]])
    end
  end

  it "gzips the protobuf when asked" do
    run_agent("emit(1); EzlogsRubyAgent.flush(timeout: 10)", configure: "c.delivery.compression = :gzip")
    post = only(receiver.received)
    expect(post["headers"]["content-encoding"]).to eq("gzip")
    expect(receiver.log_records.size).to eq(1)
  end

  context "when the receiver answers success, partial success, 503 (Retry-After: 1), success and 400 in turn" do
    let(:answers) { %w[success partial:2 503:1 success 400] }

    it "delivers, counts the rejected records as dropped, retries the 503 after its Retry-After, drops the 400" do
      printed = run_agent(<<~RUBY)
        flushed = Array.new(4) do |batch|
          3.times { |i| emit(batch * 10 + i) }
          EzlogsRubyAgent.flush(timeout: 10)
        end
        STDOUT.puts JSON.generate(flushed:)
      RUBY
      # flush is true only when every event was delivered.
      expect(printed.first["flushed"]).to eq([true, false, true, false])
      metrics = printed.last["metrics"]
      posts = receiver.received
      expect(posts.size).to eq(5)
      expect(record_counts).to eq([3, 3, 3, 3, 3])
      expect(posts[3]["at"] - posts[2]["at"]).to be >= 0.9
      expect(metrics).to include("events_delivered" => 7, "retries" => 1,
                                 "events_dropped" => include("rejected" => 5), "events_dropped_total" => 5)
      expect(metrics["last_error"]).to include("HTTP 400")
      expect(@stderr).to include("the OTLP collector rejected log records (partial_success): 2 records over the quota")
    end
  end

  context "when the receiver refuses a batch as too large (413)" do
    let(:answers) { %w[413] }

    it "splits it in halves and sends them again" do
      run_agent("4.times { |i| emit(i) }; EzlogsRubyAgent.flush(timeout: 10)")
      expect(record_counts).to eq([4, 2, 2])
    end
  end

  context "when the receiver answers 500, which OTLP does not retry" do
    let(:answers) { %w[500] }

    it "drops the batch at once, where the ezlogs agent's 500 is retried" do
      metrics = run_agent("emit(1); EzlogsRubyAgent.flush(timeout: 10)").last["metrics"]
      expect(receiver.received.size).to eq(1)
      expect(metrics).to include("retries" => 0, "events_dropped" => include("rejected" => 1))
    end
  end
end
