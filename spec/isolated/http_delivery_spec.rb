# frozen_string_literal: true

# Delivery over HTTP to a real collector on loopback that speaks the ezlogs
# agent's protocol (spec/support/collector.rb). The agent runs in its own
# process, as it would in an app.
RSpec.describe "Delivering events over HTTP" do
  let(:collector) { Collector.new }

  after { collector.stop }

  def run_agent(body, endpoint: collector.url, configure: "", timeout: 60)
    settings = <<~RUBY
      c.service_name = "shop"
      c.environment = "test"
      c.delivery.endpoint = #{endpoint.inspect}
      c.delivery.retry_backoff = 0.2
      #{configure}
    RUBY
    result = run_ruby(agent_script(settings, "#{body}\nSTDOUT.print JSON.generate(EzlogsRubyAgent.metrics)"), timeout:)
    expect(result).to be_success, result.stderr
    @stderr = result.stderr
    @printed = result.stdout.lines.map { |line| JSON.parse(line) }
    @printed.last
  end

  # The collector's port, closed now, and a thread whose value is the
  # collector back on it after `delay` seconds.
  def down_for(delay)
    port = collector.port
    collector.stop
    [port, Collector.start_later(port, delay:)]
  end

  it "delivers 8 threads x 25,000 events exactly once, and the counters add up" do
    big_queue = "c.performance.event_buffer_size = 250_000; c.performance.event_buffer_bytes = 512 << 20"
    metrics = run_agent(<<~RUBY, configure: "#{big_queue}; c.delivery.batch_size = 1_000")
      Array.new(8) { |t| Thread.new { 25_000.times { |i| emit(t * 100_000 + i) } } }.each(&:join)
      EzlogsRubyAgent.flush(timeout: 60)
    RUBY
    ids = collector.events.map { |e| e["event_id"] }
    expect(ids.size).to eq(200_000)
    expect(ids.uniq.size).to eq(200_000)
    expect(metrics).to include("events_captured" => 200_000, "events_delivered" => 200_000, "events_dropped_total" => 0)
    expect(metrics["batches_sent"]).to eq(collector.requests.size)
  end

  it "sends JSON arrays with the agent's headers, uncompressed to a collector on loopback" do
    extra = 'c.delivery.headers = { "X-Team" => "checkout" }; c.delivery.api_key = "k-123"'
    metrics = run_agent(<<~RUBY, configure: extra)
      3.times { |i| emit(i) }
      EzlogsRubyAgent.flush(timeout: 10)
    RUBY
    expect(metrics).to include("batches_sent" => 1, "connections_opened" => 1)
    request = collector.requests.first
    expect(request.headers).to include(
      "content-type" => "application/json", "user-agent" => "EzlogsRubyAgent/#{EzlogsRubyAgent::VERSION}",
      "x-ezlogs-agent" => "ruby", "x-ezlogs-version" => EzlogsRubyAgent::VERSION, "x-ezlogs-service" => "shop",
      "x-ezlogs-environment" => "test", "x-team" => "checkout", "authorization" => "Bearer k-123"
    )
    expect(request.headers).not_to have_key("content-encoding")
    expect(JSON.parse(request.body)).to be_an(Array)
    expect(collector.events.size).to eq(3)
  end

  it "sends an endpoint's user and password as Basic auth, unless an api_key is set, which wins (said once)" do
    with_credentials = collector.url.sub("http://", "http://ingest:pa%20ss@")
    run_agent("emit(1); EzlogsRubyAgent.flush(timeout: 10)", endpoint: with_credentials)
    expect(collector.requests.last.headers["authorization"]).to eq("Basic #{["ingest:pa ss"].pack("m0")}")

    result = run_ruby(agent_script("c.delivery.endpoint = #{with_credentials.inspect}; c.delivery.api_key = 'k-1'",
                                   "emit(1); EzlogsRubyAgent.configure; emit(2); EzlogsRubyAgent.flush(timeout: 10)"))
    expect(result).to be_success, result.stderr
    expect(collector.requests.last.headers["authorization"]).to eq("Bearer k-1")
    expect(result.stderr.scan("delivery.endpoint holds a user and password, which are not sent").size).to eq(1)
    expect(result.stderr).not_to include("pa ss", "pa%20ss")

    from_env = run_ruby(agent_script("c.delivery.api_key = 'k-2'", "emit(3); EzlogsRubyAgent.flush(timeout: 10)"),
                        env: { "EZLOGS_ENDPOINT" => with_credentials })
    expect(from_env.stderr).to include("EZLOGS_ENDPOINT holds a user and password, which are not sent")
  end

  it "gzips when asked, and the ezlogs agent (which ignores Content-Encoding) refuses such bodies" do
    collector.decode_gzip!
    run_agent(<<~RUBY, configure: "c.delivery.compression = :gzip")
      emit(1)
      EzlogsRubyAgent.flush(timeout: 10)
    RUBY
    expect(collector.requests.first.headers["content-encoding"]).to eq("gzip")
    expect(collector.events.size).to eq(1)

    plain = Collector.new
    metrics = run_agent(<<~RUBY, endpoint: plain.url, configure: "c.delivery.compression = :gzip")
      emit(1)
      EzlogsRubyAgent.flush(timeout: 1)
    RUBY
    expect(plain.events).to be_empty
    expect(metrics["events_dropped"]).to include("rejected" => 1)
    expect(metrics["last_error"]).to include("HTTP 400", "NUL byte")
  ensure
    plain&.stop
  end

  it "loses nothing when the collector comes up 3 s after the app starts" do
    port, starter = down_for(3)
    metrics = run_agent(<<~RUBY, endpoint: "http://127.0.0.1:#{port}/events")
      1_000.times { |i| emit(i) }
      EzlogsRubyAgent.flush(timeout: 30)
    RUBY
    late = starter.value
    expect(late.events.map { |e| e["event_id"] }.uniq.size).to eq(1_000)
    expect(metrics).to include("events_delivered" => 1_000, "events_dropped_total" => 0)
    expect(metrics["retries"]).to be > 0
  ensure
    late&.stop
  end

  it "retries 500s and honours 429 Retry-After, losing nothing" do
    collector.fail_next(3, status: 500)
    metrics = run_agent(<<~RUBY)
      emit(1)
      EzlogsRubyAgent.flush(timeout: 20)
    RUBY
    expect(collector.events.size).to eq(1)
    expect(metrics["retries"]).to eq(3)

    throttled = Collector.new
    throttled.fail_next(1, status: 429, headers: { "Retry-After" => "1" })
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    metrics = run_agent(<<~RUBY, endpoint: throttled.url)
      emit(1)
      EzlogsRubyAgent.flush(timeout: 20)
    RUBY
    expect(Process.clock_gettime(Process::CLOCK_MONOTONIC) - started).to be >= 1.0
    expect(throttled.events.size).to eq(1)
    expect(metrics["retries"]).to eq(1)
  ensure
    throttled&.stop
  end

  it "sends a batch once 1 MB of JSON is ready, whatever batch_size says" do
    run_agent(<<~RUBY, configure: "c.delivery.batch_size = 10_000")
      3_000.times { |i| EzlogsRubyAgent.log_event(event_type: "a.b", action: "c", actor: { type: "t", id: i }, metadata: { pad: "p" * 1_000 }) }
      EzlogsRubyAgent.flush(timeout: 20)
    RUBY
    sizes = collector.requests.map { |request| request.body.bytesize }
    expect(collector.events.size).to eq(3_000)
    expect(sizes.size).to be >= 3
    expect(sizes.max).to be < 1_100_000
  end

  it "opens the circuit after repeated failures and closes it when a probe gets through, saying both once" do
    port, reviver = down_for(2.5)
    breaker = "c.delivery.circuit_breaker_threshold = 2; c.delivery.circuit_breaker_timeout = 3"
    metrics = run_agent(<<~RUBY, endpoint: "http://shop:s3cret@127.0.0.1:#{port}/events", configure: breaker)
      EzlogsRubyAgent.config.delivery.retry_attempts = 0
      EzlogsRubyAgent.configure
      emit(1)
      EzlogsRubyAgent.flush(timeout: 1)
      STDOUT.puts JSON.generate(state: EzlogsRubyAgent.metrics[:circuit_state])
      EzlogsRubyAgent.flush(timeout: 15)
    RUBY
    revived = reviver.value
    expect(@printed.first["state"]).to eq("open")
    expect(revived.events.size).to eq(1)
    expect(metrics["circuit_state"]).to eq("closed")
    endpoint = Regexp.escape("delivery to http://***@127.0.0.1:#{port}/events")
    failing = /#{endpoint} is failing in process \d+: the circuit breaker is open after 2 failed batches.*refused/
    expect(@stderr.scan(failing).size).to eq(1), "stderr: #{@stderr}"
    expect(@stderr.scan(/#{endpoint} works again in process \d+, after \d+\.\d s of failures/).size)
      .to eq(1), "stderr: #{@stderr}"
    expect(@stderr).not_to include("s3cret")
  ensure
    revived&.stop
  end

  # The circuit opens only after circuit_breaker_threshold batches have
  # spent their retries (here about 1.4 s of the 4 s outage); the outage
  # began with the first failed attempt.
  it "times the outage it says has ended from the first failed attempt, not from when the circuit opened" do
    port, reviver = down_for(4)
    slow_to_open = "c.delivery.retry_attempts = 2; c.delivery.circuit_breaker_threshold = 3; " \
                   "c.delivery.circuit_breaker_timeout = 1; c.delivery.flush_interval = 0.2"
    run_agent(<<~RUBY, endpoint: "http://127.0.0.1:#{port}/events", configure: slow_to_open)
      emit(1)
      EzlogsRubyAgent.flush(timeout: 20)
    RUBY
    revived = reviver.value
    expect(revived.events.size).to eq(1)
    said = @stderr[/works again in process \d+, after (\d+\.\d) s of failures/, 1]
    expect(said && Float(said)).to be_between(3.2, 6), "stderr: #{@stderr}"
  ensure
    revived&.stop
  end

  context "with a collector that is down for a while" do
    let(:port) { collector.port.tap { collector.stop } }
    let(:down_for_a_while) do
      "c.delivery.flush_interval = 0.2; c.delivery.circuit_breaker_threshold = 2; " \
        "c.delivery.circuit_breaker_timeout = 1"
    end

    def actor_ids(collector) = collector.events.map { |event| event.dig("actor", "id") }

    it "holds what it could not send, compressed, and goes on taking events; all go, in order, once it is back" do
      reviver = Collector.start_later(port, delay: 4)
      metrics = run_agent(<<~RUBY, endpoint: "http://127.0.0.1:#{port}/events", configure: down_for_a_while)
        3_000.times { |i| emit(i) }
        sleep 1.5
        STDOUT.puts JSON.generate(EzlogsRubyAgent.metrics.slice(:queue_depth, :queue_bytes))
        STDOUT.puts JSON.generate(flushed: EzlogsRubyAgent.flush(timeout: 30))
      RUBY
      revived = reviver.value
      held, flushed = @printed
      # Queued, each of these events takes about 1 KB (the queue counts
      # what it takes); held, about a tenth of its JSON.
      expect(held["queue_depth"]).to eq(3_000)
      expect(held["queue_bytes"]).to be_between(3_000 * 10, 3_000 * 100)
      expect(flushed).to eq("flushed" => true)
      expect(actor_ids(revived)).to eq((0...3_000).to_a)
      expect(metrics).to include("events_delivered" => 3_000, "events_dropped_total" => 0, "queue_depth" => 0)
    ensure
      revived&.stop
    end

    it "gives each held batch its own retries: one that is dropped leaves none of its failures to the next" do
      collector.fail_next(3, status: 503)
      collector.fail_next(1, status: 400)
      collector.fail_next(1, status: 503)
      metrics = run_agent(<<~RUBY)
        emit(1)
        EzlogsRubyAgent.flush(timeout: 10)
        emit(2)
        STDOUT.puts JSON.generate(flushed: EzlogsRubyAgent.flush(timeout: 10))
      RUBY
      expect(@printed.first).to eq("flushed" => true)
      expect(actor_ids(collector)).to eq([2])
      # The first batch: three retries, then refused (rejected); the second:
      # one retry, then delivered. Neither is a batch that failed its retries.
      expect(metrics).to include("retries" => 4, "batches_failed" => 1, "consecutive_failures" => 0,
                                 "events_dropped" => include("rejected" => 1), "events_delivered" => 1)
    end

    it "counts held events and the batch being sent against event_buffer_size: beyond it, the newest are " \
       "dropped and counted" do
      reviver = Collector.start_later(port, delay: 3)
      bounded = "#{down_for_a_while}; c.performance.event_buffer_size = 1_000"
      metrics = run_agent(<<~RUBY, endpoint: "http://127.0.0.1:#{port}/events", configure: bounded)
        1_300.times { |i| emit(i) } # faster than the worker takes them
        sleep 1
        300.times { |i| emit(1_300 + i) }
        STDOUT.puts JSON.generate(flushed: EzlogsRubyAgent.flush(timeout: 30))
      RUBY
      revived = reviver.value
      expect(@printed.first).to eq("flushed" => false)
      expect(actor_ids(revived)).to eq((0...1_000).to_a)
      expect(metrics).to include("events_delivered" => 1_000, "events_dropped" => include("queue_full" => 600))
    ensure
      revived&.stop
    end

    it "drops and counts what it holds when delivery restarts with new settings before the collector is back, " \
       "and the next flush says so" do
      patient = "#{down_for_a_while}; c.delivery.circuit_breaker_threshold = 100"
      metrics = run_agent(<<~RUBY, endpoint: "http://127.0.0.1:#{port}/events", configure: patient)
        2_000.times { |i| emit(i) }
        sleep 1
        EzlogsRubyAgent.configure { |c| c.delivery.endpoint = "file:///dev/null"; c.delivery.shutdown_timeout = 0.5 }
        emit(2_000)
        STDOUT.puts JSON.generate(flushed: EzlogsRubyAgent.flush(timeout: 5))
        sleep 0.5 # the retired worker counts what it dropped
        STDOUT.puts JSON.generate(flushed: EzlogsRubyAgent.flush(timeout: 5))
      RUBY
      # The first flush after the restart may not say all went: 2,000 did not.
      expect(@printed.first(2)).to eq([{ "flushed" => false }, { "flushed" => true }])
      expect(metrics).to include("events_dropped" => include("retries_exhausted" => 2_000), "events_delivered" => 1)
      # Once one of the 20 batches failed, the rest were dropped without a try
      # (each would have made retry_attempts + 1 = 4 requests; the circuit
      # breaker, which would stop them too, waits for 100 failures here).
      expect(metrics["requests"]).to be < 30
    end
  end

  it "waits, in the next flush, for what a worker retired by a new configuration still sends" do
    collector.hang_next(1, seconds: 2)
    metrics = run_agent(<<~RUBY)
      emit(1)
      sleep 0.3
      EzlogsRubyAgent.configure { |c| c.service_name = "shop-v2" } # waits 1 s, then retires the worker
      STDOUT.puts JSON.generate(flushed: EzlogsRubyAgent.flush(timeout: 10))
    RUBY
    expect(@printed.first).to eq("flushed" => true)
    expect(collector.events.size).to eq(1)
    expect(metrics).to include("events_delivered" => 1, "events_dropped_total" => 0)
  end

  it "drops a batch the collector refuses with a 4xx, keeping the reason" do
    collector.fail_next(1, status: 400)
    metrics = run_agent(<<~RUBY)
      2.times { |i| emit(i) }
      EzlogsRubyAgent.flush(timeout: 10)
    RUBY
    expect(metrics["events_dropped"]).to include("rejected" => 2)
    expect(metrics["last_error"]).to start_with("collector answered HTTP 400 Bad Request")
  end

  # Some APIs quote in a refusal what they were sent.
  it "masks the credentials it sends where a refusal quotes them: on stderr, in metrics and in health_status" do
    collector.fail_next(2, status: 401, quoting: true)
    secrets = %w[k3y-S3CRET h34der-S3CRET qu3ry-T0KEN]
    metrics = run_agent(<<~RUBY, endpoint: collector.url("/events?token=qu3ry-T0KEN"), configure: <<~CONFIG)
      emit(1)
      EzlogsRubyAgent.flush(timeout: 10)
      STDOUT.puts JSON.generate(EzlogsRubyAgent.health_status)
    RUBY
      c.delivery.api_key = "k3y-S3CRET"
      c.delivery.headers = { "X-API-Key" => "h34der-S3CRET" }
    CONFIG
    expect(collector.requests).to be_empty # refused, not read
    expect(metrics["last_error"]).to eq(
      'collector answered HTTP 401 Unauthorized: {"error":"invalid credentials for /events?token=[REDACTED]: ' \
      '[\"Bearer [REDACTED]\", \"[REDACTED]\"]"}'
    )
    expect(@printed.first["reason"]).to include("[REDACTED]")
    expect([@stderr, JSON.generate(@printed)]).to all(satisfy { |text| secrets.none? { |s| text.include?(s) } })
  end

  # Following it, the POST would become a GET without the events, answered
  # 200 and counted as delivered.
  it "reports a 301 redirect with where it points, and counts the batch as rejected" do
    collector.fail_next(1, status: 301, headers: { "Location" => collector.url("/v2/events") })
    metrics = run_agent(<<~RUBY)
      2.times { |i| emit(i) }
      EzlogsRubyAgent.flush(timeout: 10)
    RUBY
    expect(metrics).to include("events_delivered" => 0, "events_dropped" => include("rejected" => 2))
    expect(metrics["last_error"]).to include("a redirect to #{collector.url("/v2/events")}: set delivery.endpoint")
  end

  it "does not sleep out a Retry-After longer than 30 s: the batch is held, and tried again after " \
     "circuit_breaker_timeout at the latest" do
    collector.fail_next(1, status: 503, headers: { "Retry-After" => "100000" })
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    metrics = run_agent(<<~RUBY, configure: "c.delivery.circuit_breaker_timeout = 3")
      2.times { |i| emit(i) }
      STDOUT.puts JSON.generate(flushed: EzlogsRubyAgent.flush(timeout: 20))
    RUBY
    expect(Process.clock_gettime(Process::CLOCK_MONOTONIC) - started).to be_between(3, 15)
    expect(@printed.first).to eq("flushed" => true)
    expect(collector.events.size).to eq(2)
    # Two requests: the refused one and the one after the wait, none between.
    expect(metrics).to include("events_delivered" => 2, "batches_failed" => 1, "requests" => 2)
    expect(metrics["last_error"]).to include("Retry-After 100000 s, longer than the 30 s waited out in place")
  end

  it "lets Ctrl-C or Thread#raise interrupt a flush that waits on a hung collector" do
    collector.hang_next(5, seconds: 20)
    run_agent(<<~RUBY, configure: "c.delivery.timeout = 20")
      emit(1)
      main = Thread.current
      waited = lambda do |interrupt|
        started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
        Thread.new { sleep 0.5; interrupt.call }
        begin
          EzlogsRubyAgent.flush(timeout: 30)
        rescue Interrupt, RuntimeError
          nil
        end
        Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
      end
      by_signal = waited.call(-> { Process.kill("INT", Process.pid) })
      by_raise = waited.call(-> { main.raise("stop waiting") })
      STDOUT.puts JSON.generate(by_signal:, by_raise:)
    RUBY
    expect(@printed.first).to include("by_signal" => be < 5, "by_raise" => be < 5)
  end

  it "keeps log_event fast while the collector hangs or resets connections" do
    collector.hang_next(2, seconds: 3)
    collector.reset_next(3)
    metrics = run_agent(<<~RUBY, configure: "c.delivery.timeout = 1; c.delivery.batch_size = 10")
      timings = Array.new(5_000) do |i|
        started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
        emit(i)
        sleep 0.0005 if (i % 50).zero?
        Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
      end
      EzlogsRubyAgent.flush(timeout: 30)
      STDOUT.puts JSON.generate(p99_ms: timings.sort[(timings.size * 0.99).floor] * 1000)
    RUBY
    expect(@printed.first["p99_ms"]).to be < 1.0
    expect(metrics["events_delivered"]).to eq(5_000)
    expect(collector.events.map { |e| e["event_id"] }.uniq.size).to eq(5_000)
    expect(metrics["retries"]).to be >= 2
  end
end

RSpec.describe "Delivery at the edges of a process's life" do
  let(:collector) { Collector.new }

  after { collector.stop }

  it "delivers events still queued when the process exits" do
    result = run_ruby(<<~RUBY)
      require "ezlogs_ruby_agent"
      EzlogsRubyAgent.configure { |c| c.delivery.endpoint = #{collector.url.inspect} }
      300.times { |i| EzlogsRubyAgent.log_event(event_type: "a.b", action: "c", actor: { type: "t", id: i }) }
    RUBY
    expect(result).to be_success, result.stderr
    expect(collector.events.size).to eq(300)
  end

  it "delivers a forked child's 1,000 events once, while the parent keeps delivering" do
    result = run_ruby(<<~RUBY)
      require "ezlogs_ruby_agent"
      EzlogsRubyAgent.configure { |c| c.delivery.endpoint = #{collector.url.inspect} }
      emit = ->(who, i) { EzlogsRubyAgent.log_event(event_type: "a.b", action: who, actor: { type: "t", id: i }) }
      100.times { |i| emit.call("parent", i) }
      pid = fork { 1_000.times { |i| emit.call("child", i) } }
      100.times { |i| emit.call("parent", 100 + i) }
      Process.wait(pid)
      100.times { |i| emit.call("parent", 200 + i) }
      exit($?.success? && EzlogsRubyAgent.flush(timeout: 10))
    RUBY
    expect(result).to be_success, result.stderr
    by_action = collector.events.group_by { |e| e["action"] }.transform_values(&:size)
    expect(by_action).to eq("parent" => 300, "child" => 1_000)
    expect(collector.events.map { |e| e["event_id"] }.uniq.size).to eq(1_300)
  end

  it "survives 50 forks in a loop under load without hanging" do
    result = run_ruby(<<~RUBY, timeout: 120)
      require "ezlogs_ruby_agent"
      EzlogsRubyAgent.configure { |c| c.delivery.endpoint = #{collector.url.inspect} }
      emit = ->(i) { EzlogsRubyAgent.log_event(event_type: "a.b", action: "c", actor: { type: "t", id: i }) }
      load = Thread.new { loop { 50.times { emit.call(0) }; sleep 0.005 } }
      50.times { Process.wait(fork { emit.call(1) }) }
      load.kill
      exit(EzlogsRubyAgent.flush(timeout: 10))
    RUBY
    expect(result).to be_success, result.stderr
    expect(collector.events.count { |e| e["actor"]["id"] == 1 }).to eq(50)
  end

  it "drops exactly what overflows the queue, counts it, and keeps memory bounded" do
    result = run_ruby(<<~RUBY)
      require "ezlogs_ruby_agent"
      require "json"
      EzlogsRubyAgent.configure do |c|
        c.delivery.endpoint = #{collector.url.inspect}
        # The worker waits for a batch that never fills: the queue only grows.
        c.delivery.batch_size = 1_000_000
        c.delivery.flush_interval = 600
        c.performance.event_buffer_size = 1_000_000
        c.performance.event_buffer_bytes = 8 * 1024 * 1024
        c.delivery.shutdown_timeout = 0.1
      end
      rss = -> { File.read("/proc/self/status")[/VmRSS:\\s+(\\d+)/, 1].to_i * 1024 }
      payload = { blob: "x" * 4_000 }
      log = ->(i) { EzlogsRubyAgent.log_event(event_type: "a.b", action: "c", actor: { type: "t", id: i }, metadata: payload) }
      log.call(0)
      before = rss.call
      ids = Array.new(20_000) { |i| log.call(i) }
      m = EzlogsRubyAgent.metrics
      print JSON.generate(growth: rss.call - before, ids: ids.compact.size, dropped: m[:events_dropped][:queue_full],
                          captured: m[:events_captured], queue: m[:queue_depth], bytes: m[:queue_bytes])
    RUBY
    expect(result).to be_success, result.stderr
    stats = JSON.parse(result.stdout)
    expect(stats["ids"]).to eq(20_000)
    expect(stats["captured"]).to eq(20_001)
    expect(stats["dropped"]).to be > 15_000
    expect(stats["captured"]).to eq(stats["dropped"] + stats["queue"])
    expect(stats["bytes"]).to be <= 8 * 1024 * 1024
    expect(stats["growth"]).to be < 64 * 1024 * 1024
  end
end
