# frozen_string_literal: true

# delivery.spool_dir: batches that cannot be sent wait on disk and are
# replayed in order, by the next process if need be.
RSpec.describe "The disk spool" do
  let(:spool_dir) { Dir.mktmpdir("ezlogs-spool") }

  after { FileUtils.rm_rf(spool_dir) }

  def agent_process(port, body)
    settings = <<~RUBY
      c.delivery.endpoint = "http://127.0.0.1:#{port}/events"
      c.delivery.spool_dir = #{spool_dir.inspect}
      c.delivery.retry_attempts = 1
      c.delivery.retry_backoff = 0.05
      c.delivery.circuit_breaker_threshold = 1
      c.performance.event_buffer_size = 50_000
    RUBY
    run_ruby(agent_script(settings, "#{body}\nprint JSON.generate(EzlogsRubyAgent.metrics)"), timeout: 120)
  end

  it "keeps 20,000 events across a restart while the collector is down, then delivers them in order" do
    down = Collector.new
    port = down.port
    down.stop

    first = agent_process(port, <<~RUBY)
      20_000.times { |i| emit(i) }
      EzlogsRubyAgent.flush(timeout: 60)
    RUBY
    expect(first).to be_success, first.stderr
    spooled = JSON.parse(first.stdout)
    expect(spooled).to include("events_delivered" => 0, "events_dropped_total" => 0)
    expect(spooled["spool_bytes"]).to be > 0
    # One file a batch of up to 100; one may be claimed (the worker was
    # trying to replay it when the process exited), for the next process
    # to release.
    expect(Dir.glob(File.join(spool_dir, "*.batch{,.claimed-*}")).size).to be >= 200

    collector = Collector.new(port:)
    second = agent_process(port, <<~RUBY)
      EzlogsRubyAgent.log_event(event_type: "order.placed", action: "after_restart", actor: { type: "user", id: -1 })
      EzlogsRubyAgent.flush(timeout: 60)
    RUBY
    expect(second).to be_success, second.stderr
    ids = collector.events.map { |e| e["actor"]["id"] }
    expect(ids).to eq((0...20_000).to_a + [-1])
    expect(JSON.parse(second.stdout)).to include("events_delivered" => 20_001, "spool_bytes" => 0)
    expect(Dir.glob(File.join(spool_dir, "*"))).to be_empty
  ensure
    collector&.stop
  end

  # A claim names its process by pid and start time: a pid alone may
  # belong to another process by then (a container's app gets the same pid
  # at every restart), and a claim kept for it would hold its batch back
  # for good.
  it "replays a batch whose claimer died, though a live process now has its pid" do
    down = Collector.new
    port = down.port
    down.stop
    first = agent_process(port, "250.times { |i| emit(i) }\nEzlogsRubyAgent.flush(timeout: 30)")
    expect(first).to be_success, first.stderr
    oldest = Dir.glob(File.join(spool_dir, "*.batch")).min
    # This process is alive, and did not start at tick 1 after boot.
    File.rename(oldest, "#{oldest}.claimed-#{Process.pid}-1")

    collector = Collector.new(port:)
    second = agent_process(port, "emit(-1)\nEzlogsRubyAgent.flush(timeout: 30)")
    expect(second).to be_success, second.stderr
    expect(collector.events.map { |e| e["actor"]["id"] }).to eq((0...250).to_a + [-1])
    expect(Dir.glob(File.join(spool_dir, "*"))).to be_empty
  ensure
    collector&.stop
  end

  it "sends what waits in the spool once the collector is back, with no new event to carry it" do
    down = Collector.new
    port = down.port
    down.stop
    up = Collector.start_later(port, delay: 1.5)
    result = agent_process(port, <<~RUBY)
      EzlogsRubyAgent.configure { |c| c.delivery.flush_interval = 0.3; c.delivery.circuit_breaker_timeout = 1 }
      5.times { |i| emit(i) }
      EzlogsRubyAgent.flush(timeout: 5)
      waited = Process.clock_gettime(Process::CLOCK_MONOTONIC)
      sleep 0.1 until EzlogsRubyAgent.metrics[:spool_events].zero? || Process.clock_gettime(Process::CLOCK_MONOTONIC) - waited > 20
    RUBY
    expect(result).to be_success, result.stderr
    expect(up.value.events.map { |e| e["actor"]["id"] }).to eq((0...5).to_a)
    expect(JSON.parse(result.stdout)).to include("spool_events" => 0, "events_delivered" => 5)
    failing = /is failing in process \d+: .*; events wait in delivery.spool_dir, and go once it answers/
    expect(result.stderr.scan(failing).size).to eq(1), "stderr: #{result.stderr}"
    expect(result.stderr.scan(/works again in process \d+, after/).size).to eq(1), "stderr: #{result.stderr}"
  ensure
    up&.value&.stop
  end
end
