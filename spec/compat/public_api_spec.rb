# frozen_string_literal: true

# 0.1.19's public methods and classes, called as its README, docs and
# examples call them (and as its public classes offered them).
RSpec.describe "Upgrading from 0.1.19: the public API" do
  let(:actor) { { type: "user", id: 1 } }

  describe "health and delivery figures" do
    let(:collector) { Collector.new }

    after { collector.stop }

    it "keeps health_status's nested keys and delivery_engine.metrics, measured against a real collector" do
      collector.fail_next(1, status: 503)
      collector.decode_gzip!
      settings = "c.delivery.endpoint = #{collector.url.inspect}; c.delivery.retry_backoff = 0.05; " \
                 "c.service_name = 'shop'; c.delivery.compression = :gzip"
      result = run_ruby(agent_script(settings, <<~RUBY))
        emit(1)
        EzlogsRubyAgent.flush(timeout: 5)
        status = EzlogsRubyAgent.health_status
        STDOUT.print JSON.generate(
          writer: status[:writer], delivery: status[:delivery_engine], config: status[:config],
          correlation_manager: status[:correlation_manager].keys, performance: status[:performance],
          debug_mode: status[:debug_mode], metrics: EzlogsRubyAgent.delivery_engine.metrics
        )
      RUBY
      expect(result).to be_success, result.stderr
      figures = JSON.parse(result.stdout, symbolize_names: true)

      body = collector.requests.first.body
      json = Zlib.gunzip(body)
      expect(figures[:metrics]).to include(total_requests: 2, successful_requests: 1, failed_requests: 1,
                                           total_retries: 1, success_rate: 0.5, total_bytes_sent: body.bytesize,
                                           compression_ratio: body.bytesize.fdiv(json.bytesize))
      expect(figures[:metrics][:compression_ratio]).to be < 1
      expect(figures[:metrics][:average_response_time]).to be > 0
      expect(figures[:delivery]).to include(circuit_breaker_state: "closed", queue_size: 0, failure_count: 0,
                                            total_requests: 2, connection_pool_size: 2)
      expect(figures[:writer]).to include(healthy: true, queue_size: 0, max_buffer: 10_000, buffer_utilization: 0.0)
      expect(figures[:writer][:metrics]).to include(events_received: 1, events_delivered: 1, events_dropped: 0,
                                                    batches_sent: 1)
      expect(figures[:config]).to eq(service_name: "shop", environment: "development", endpoint: collector.url)
      expect(figures[:correlation_manager]).to eq(%w[current_context pool_stats])
      expect(figures[:performance]).to eq(timings: {}, counters: {}, gauges: {})
      expect(figures[:debug_mode]).to be(false)
    end

    it "gives average_response_time in milliseconds, and the breaker's failures in a row" do
      collector.hang_next(1, seconds: 3)
      timed = "c.delivery.endpoint = #{collector.url.inspect}; c.delivery.timeout = 0.5; c.delivery.retry_attempts = 0"
      result = run_ruby(agent_script(timed, <<~RUBY))
        emit(1)
        EzlogsRubyAgent.flush(timeout: 5)
        STDOUT.print JSON.generate(EzlogsRubyAgent.delivery_engine.metrics)
      RUBY
      metrics = JSON.parse(result.stdout, symbolize_names: true)
      # A request timed out after 0.5 s, then the held batch went: (500 + a
      # few) / 2 milliseconds (0.25 if it were seconds).
      expect(metrics).to include(total_requests: 2, successful_requests: 1, failed_requests: 1)
      expect(metrics[:average_response_time]).to be_between(200, 800)

      refused = "c.delivery.endpoint = 'http://127.0.0.1:#{collector.port}/events'; c.delivery.retry_attempts = 0; " \
                "c.delivery.circuit_breaker_threshold = 1; c.delivery.shutdown_timeout = 0.5"
      collector.stop
      result = run_ruby(agent_script(refused, <<~RUBY))
        emit(1)
        EzlogsRubyAgent.flush(timeout: 1)
        STDOUT.print JSON.generate(EzlogsRubyAgent.delivery_engine.health_status)
      RUBY
      status = JSON.parse(result.stdout, symbolize_names: true)
      expect(status).to include(circuit_breaker_state: "open", failure_count: 1, total_requests: 1, failed_requests: 1)
      expect(status[:last_failure_time]).not_to be_nil
    end

    it "keeps redacted copies of events for captured_events while debug_mode is on, and still delivers them" do
      result = run_ruby(agent_script("c.delivery.endpoint = #{collector.url.inspect}", <<~RUBY))
        EzlogsRubyAgent.debug_mode = true
        EzlogsRubyAgent.log_event(event_type: "user.signed_in", action: "signed_in", actor: { type: "user", id: 1 },
                                  metadata: { PassWord: "hunter2" })
        EzlogsRubyAgent.flush(timeout: 5)
        STDOUT.print JSON.generate(EzlogsRubyAgent.captured_events.map { |entry| entry[:event][:metadata] })
      RUBY
      expect(result).to be_success, result.stderr
      expect(JSON.parse(result.stdout)).to eq([{ "PassWord" => "[REDACTED]" }])
      expect(collector.events.map { |event| event["metadata"] }).to eq([{ "PassWord" => "[REDACTED]" }])
    end
  end

  it "never raises from writer.log, whatever it is given, and says once what it takes" do
    results = nil
    output = quietly do
      results = ["text", 42, :symbol, [1, 2], nil, Object.new].map do |v|
        EzlogsRubyAgent.writer.log(v)
      end
    end

    expect(results).to all(be_nil)
    expect(output.lines.size).to eq(6)
    expect(output).to include("EventWriter#log takes a UniversalEvent or a Hash of log_event's keywords, got String")
    expect(EzlogsRubyAgent.writer.log(event_type: "order.placed", action: "placed", actor:)).to start_with("evt_")
  end

  it "keeps performance_monitor's counters, gauges and timings" do
    monitor = EzlogsRubyAgent.performance_monitor
    monitor.increment_counter(:orders)
    expect(monitor.increment_counter(:orders, 4)).to eq(5)
    monitor.set_gauge(:queue, 12)
    monitor.record_timing("checkout", 30)
    monitor.record_timing("checkout", 10)
    monitor.start_timing("render")
    monitor.end_timing("render")

    metrics = monitor.metrics
    expect(metrics[:counters]).to eq(orders: 5)
    expect(metrics[:gauges][:queue]).to include(value: 12, timestamp: be_within(5).of(Time.now.utc))
    expect(metrics[:timings]["checkout"]).to eq(count: 2, min: 10.0, max: 30.0, avg: 20.0)
    expect(metrics[:timings]["render"]).to include(count: 1, min: be >= 0)
  end

  it "keeps ActorExtractor.extract_actor, and an actor's keys beyond type and id, redacted and bounded" do
    EzlogsRubyAgent.config.actor_extractor = lambda do |_env|
      { type: "admin", id: 7, role: "owner", password: "hunter2", note: "x" * 100_000 }
    end
    extracted = EzlogsRubyAgent::ActorExtractor.extract_actor({})
    expect(extracted).to include(type: "admin", id: "7", role: "owner")

    EzlogsRubyAgent.log_event(event_type: "admin.login", action: "login", actor: extracted)
    sent = captured.last[:actor]
    expect(sent).to include(type: "admin", id: "7", role: "owner", password: "[REDACTED]")
    expect(sent[:note].bytesize).to be < 100_000
  end

  it "says once when actor_extractor returns something that names no actor, by its class only" do
    EzlogsRubyAgent.config.actor_extractor = ->(_env) { "203.0.113.9" }
    output = quietly do
      2.times do
        expect(EzlogsRubyAgent::ActorExtractor.extract_actor({})).to eq(type: "system", id: "system")
      end
    end

    expect(output).to eq("[ezlogs_ruby_agent] config.actor_extractor returned String, which names no actor; " \
                         "return {type:, id:} or a record (with an id); the actor was looked up without it\n")
  end

  it "keeps DebugTools' switches: debug_mode=, capture_events, capture_event, log_level" do
    tools = EzlogsRubyAgent::DebugTools
    event = EzlogsRubyAgent::UniversalEvent.new(event_type: "order.placed", action: "placed", actor:,
                                                metadata: { token: "t0k3n" })
    logged = EzlogsRubyAgent.metrics[:events_captured]
    expect(tools.capture_event(event)).to be(false) # only while capture_events is on, as in 0.1.19
    tools.capture_events = true
    expect(tools.capture_event(event)).to be(true)
    tools.capture_events = false
    expect(captured.map { |e| [e[:event_id], e[:metadata]] }).to eq([[event.event_id, { token: "[REDACTED]" }]])
    expect(EzlogsRubyAgent.metrics[:events_captured]).to eq(logged) # kept, not logged or sent
    tools.log_level = :debug
    expect(tools.log_level).to eq(:debug)
    expect(quietly { tools.log_level = :loud }).to include("DebugTools.log_level takes one of")
    expect(tools.log_level).to eq(:debug)
    tools.log_level = :info
    tools.debug_mode = true
    expect([tools.debug_mode, EzlogsRubyAgent.debug_mode, tools.capture_events]).to eq([true, true, true])
    tools.debug_mode = false
    expect(tools.capture_events).to be(false)
  end

  describe "TestHelpers::Matchers" do
    include EzlogsRubyAgent::TestHelpers::Matchers

    it "keeps 0.1.19's matchers, with their names" do
      EzlogsRubyAgent.start_flow("order", 9)
      cause = log
      manager = EzlogsRubyAgent::CorrelationManager
      manager.with_context(manager.create_child_context(cause)) { log(event_type: "data.change", action: "x.y") }
      primary = captured.first[:correlation][:primary_correlation_id]

      expect(EzlogsRubyAgent.captured_events).to have_correlation_flow
      expect(EzlogsRubyAgent.captured_events).to include_data_change
      expect(EzlogsRubyAgent.captured_events).not_to include_http_request
      expect(EzlogsRubyAgent.captured_events).not_to include_job_execution
      expect(EzlogsRubyAgent.captured_events).to have_event_count(2)
      expect(EzlogsRubyAgent.captured_events).to have_correlation_id(primary)
      expect(EzlogsRubyAgent.captured_events).not_to have_correlation_id("corr_other")
      # A flow started with start_flow has no root event: its events share
      # the flow, side by side, as 0.1.19's matcher took them.
      log(event_type: "order.shipped", action: "shipped")
      expect(EzlogsRubyAgent.captured_events).to have_correlation_flow
      EzlogsRubyAgent.clear_correlation_context
      EzlogsRubyAgent.start_flow("order", 10)
      log
      expect(have_correlation_flow.matches?(EzlogsRubyAgent.captured_events)).to be(false)
      count = have_event_count(9)
      expect(count.matches?(EzlogsRubyAgent.captured_events)).to be(false)
      expect(count.failure_message).to start_with("expected 9 events\nCaptured (4 events):")
      expect(have_correlation_flow.tap { |m| m.matches?(EzlogsRubyAgent.captured_events) }.failure_message)
        .to start_with("expected one correlation flow, but the events belong to 2 flows")
    end

    # A group with `require "ezlogs_ruby_agent/rspec"`'s matchers as well:
    # 0.1.19's have_correlation_flow, included last, takes their refinements.
    it "takes the refinements of the newer have_correlation_flow" do
      EzlogsRubyAgent.start_flow("order", 9)
      cause = log
      manager = EzlogsRubyAgent::CorrelationManager
      manager.with_context(manager.create_child_context(cause)) { log(event_type: "data.change", action: "x.y") }

      expect(EzlogsRubyAgent.captured_events).to have_correlation_flow.starting_with("user.action")
                                                                      .including("data.change")
      refined = have_correlation_flow.starting_with("http.request")
      expect(refined.matches?(EzlogsRubyAgent.captured_events)).to be(false)
      expect(refined.failure_message).to start_with('expected one correlation flow, starting with "http.request", ' \
                                                    'but the flow starts with "user.action"')
    end
  end

  it "keeps EventPool, BatchProcessor and ConnectionManager, doing their work through the native core" do
    event = EzlogsRubyAgent::EventPool.get_event
    expect(event).to be_a(EzlogsRubyAgent::UniversalEvent)
    expect(EzlogsRubyAgent::EventPool.return_event(event)).to be_nil
    expect(EzlogsRubyAgent::EventPool.pool_stats).to include(pool_size: 0, reused_count: 0)

    batch = EzlogsRubyAgent::BatchProcessor.new(batch_size: 10)
    events = [1, 2].map do |id|
      EzlogsRubyAgent::UniversalEvent.new(event_type: "order.placed", action: "placed",
                                          actor: { type: "user", id: })
    end
    expect(batch.process_batch(events)).to include(success: true, processed: 2, compressed: false)
    expect(batch.add_to_batch(events.first)).to be(false)
    expect(batch.get_current_batch).to eq([])
    expect(captured.map { |e| e[:event_id] }).to eq(events.map(&:event_id) + [events.first.event_id])

    manager = EzlogsRubyAgent::ConnectionManager.new("http://127.0.0.1:9000/events", max_connections: 5, timeout: 3)
    expect(quietly { expect(manager.with_connection { raise "never yielded" }).to be_nil })
      .to include("yields no connection")
    expect(manager.pool_stats).to include(pool_size: 0, max_connections: 2, closed: false)
  end

  it "takes log_event's timestamp: of 0.1.19's first releases" do
    at = Time.utc(2025, 6, 1, 12, 30)
    log(timestamp: at)
    expect(captured.last[:timestamp]).to eq("2025-06-01T12:30:00.000Z")
  end

  it "has a version above 0.1.19, one for the gem, the crate and platform.agent_version" do
    version = EzlogsRubyAgent::VERSION
    crate = File.read(File.expand_path("../../ext/ezlogs_ruby_agent/Cargo.toml", __dir__))[/^version = "(.+)"/, 1]

    expect(Gem::Version.new(version)).to be > Gem::Version.new("0.1.19")
    expect(crate).to eq(version)
    log
    expect(captured.last[:platform][:agent_version]).to eq(version)
  end
end
