# frozen_string_literal: true

# A process's exit: what is still queued gets one bounded chance to go, a
# collector that is not there costs no wait at all, and what is not
# delivered is counted and reported, never lost without a word. Each
# example runs the agent in its own process, against a real collector on
# loopback (or a port where nothing listens).
RSpec.describe "Exiting with events queued" do
  let(:collector) { Collector.new }

  after { collector.stop }

  def closed_port
    down = Collector.new
    down.stop
    down.port
  end

  def run_timed(script, **options)
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    result = run_ruby(script, **options)
    [result, Process.clock_gettime(Process::CLOCK_MONOTONIC) - started]
  end

  def events_named(action)
    collector.events.select { |event| event["action"] == action }
  end

  def wait_for_events(count, seconds: 15)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + seconds
    sleep 0.05 while collector.events.size < count && Process.clock_gettime(Process::CLOCK_MONOTONIC) < deadline
    collector.events
  end

  it "does not wait for a collector that refuses connections: it counts and reports what was lost" do
    # The worker is already backing off from a refused send when the
    # process exits; an at_exit block registered before the gem loaded
    # (so it runs after the gem's) reads the counters.
    result, elapsed = run_timed(<<~RUBY)
      at_exit { STDOUT.print EzlogsRubyAgent.metrics[:events_dropped][:exit] }
      #{agent_script("c.delivery.endpoint = 'http://127.0.0.1:#{closed_port}/events'", <<~BODY)}
        10.times { |i| emit(i) }
        sleep 0.3
      BODY
    RUBY
    expect(result).to be_success, result.stderr
    expect(elapsed).to be < 2.5 # it waited shutdown_timeout, 5 s, before
    expect(result.stdout).to eq("10")
    expect(result.stderr.scan("exiting with").size).to eq(1)
    expect(result.stderr).to include("exiting with 10 of 10 events not delivered (10 lost): sending to http://127.0.0.1",
                                     "Connection refused", "set delivery.spool_dir")
  end

  it "writes what the refusing collector did not take to the spool, for the next process to deliver" do
    spool = Dir.mktmpdir("ezlogs-exit-spool")
    port = closed_port
    settings = "c.delivery.endpoint = 'http://127.0.0.1:#{port}/events'; c.delivery.spool_dir = #{spool.inspect}"
    result, elapsed = run_timed(agent_script(settings, "10.times { |i| emit(i) }"))
    expect(result).to be_success, result.stderr
    expect(elapsed).to be < 2.5
    expect(result.stderr).to include("exiting with 10 of 10 events not delivered (10 written to the spool in #{spool}")

    # The next process replays the spool once its worker starts, with its
    # first event.
    up = Collector.new(port:)
    following = run_ruby(agent_script(settings, "emit(10); EzlogsRubyAgent.flush(timeout: 10)"))
    expect(following).to be_success, following.stderr
    expect(up.events.map { |e| e["actor"]["id"] }).to eq((0..10).to_a)
  ensure
    up&.stop
    FileUtils.rm_rf(spool)
  end

  it "waits for a collector that hangs no longer than delivery.shutdown_timeout, and says what it waited for" do
    collector.hang_next(5, seconds: 30)
    settings = "c.delivery.endpoint = #{collector.url.inspect}; c.delivery.shutdown_timeout = 1.5; " \
               "c.delivery.batch_size = 5"
    result, elapsed = run_timed(agent_script(settings, "10.times { |i| emit(i) }"))
    expect(result).to be_success, result.stderr
    # The hanging send ends 0.1 s before the deadline (so that a spool could
    # still take its batch); on a fast machine the boot takes less than that.
    expect(elapsed).to be_between(1.4, 4.0)
    expect(result.stderr).to match(
      %r{exiting with 10 of 10 events not delivered \(10 lost\): a send to http://127\.0\.0\.1:\d+/events had waited 1\.\d s for an answer when delivery\.shutdown_timeout \(1\.5 s\) ran out} # rubocop:disable Layout/LineLength
    )
  end

  it "counts each event lost to a hanging collector once, as exit" do
    collector.hang_next(5, seconds: 30)
    settings = "c.delivery.endpoint = #{collector.url.inspect}; c.delivery.shutdown_timeout = 1; " \
               "c.delivery.timeout = 2; c.delivery.flush_interval = 0.1"
    # The batch is on its way (waiting up to delivery.timeout) when the
    # exit begins, and its wait outlasts the exit's. The block below is
    # registered before the gem loads, so it runs after the gem's exit
    # flush, once the worker has given up on that batch.
    result = run_ruby(<<~RUBY)
      at_exit { sleep 1.5; STDOUT.print EzlogsRubyAgent.metrics[:events_dropped][:exit] }
      #{agent_script(settings, "10.times { |i| emit(i) }; sleep 0.5")}
    RUBY
    expect(result).to be_success, result.stderr
    expect(result.stdout).to eq("10")
    expect(result.stderr).to include("exiting with 10 of 10 events not delivered (10 lost)")
  end

  it "exits from exit! even when a Ctrl-C cuts its flush short" do
    collector.hang_next(5, seconds: 30)
    result, elapsed = run_timed(agent_script("c.delivery.endpoint = #{collector.url.inspect}", <<~RUBY))
      10.times { |i| emit(i) }
      Thread.new { sleep 0.5; Process.kill("INT", Process.pid) }
      exit!(7)
    RUBY
    expect(result.status.exitstatus).to eq(7), result.stderr
    expect(elapsed).to be < 4 # shutdown_timeout is 5 s
    expect(result.stderr).to include("the exit's wait was interrupted")
  end

  it "gives a collector the circuit breaker gave up on one more try at exit" do
    port = closed_port
    up = Collector.start_later(port, delay: 1.5)
    settings = "c.delivery.endpoint = 'http://127.0.0.1:#{port}/events'; c.delivery.retry_attempts = 0; " \
               "c.delivery.circuit_breaker_threshold = 1"
    result = run_ruby(agent_script(settings, <<~RUBY))
      5.times { |i| emit(i) }
      EzlogsRubyAgent.flush(timeout: 0.5)
      sleep 0.1 until EzlogsRubyAgent.metrics[:circuit_state] == "open"
      sleep 2 # the collector is back, the circuit still open for a minute
    RUBY
    expect(result).to be_success, result.stderr
    expect(up.value.events.size).to eq(5)
  ensure
    up&.value&.stop
  end

  it "says once why, when a collector that stays down fails every batch at exit" do
    settings = "c.delivery.endpoint = 'http://127.0.0.1:#{closed_port}/events'; c.delivery.batch_size = 10; " \
               "c.delivery.retry_attempts = 0; c.delivery.circuit_breaker_threshold = 1"
    result = run_ruby(agent_script(settings, <<~RUBY))
      500.times { |i| emit(i) }
      EzlogsRubyAgent.flush(timeout: 0.5)
    RUBY
    expect(result).to be_success, result.stderr
    lines = result.stderr.lines.grep(/exiting with/)
    expect(lines.size).to eq(1)
    line = lines.first
    expect(line).to include("exiting with 500 of 500 events not delivered (500 lost)", "Connection refused")
    # The refused connection of the exit's one try, not the open circuit's
    # message, which quoted the last error, itself such a message...
    expect(line.scan("Connection refused").size).to eq(1)
    expect(line).not_to include("circuit breaker")
  end

  # A process that logs one event, and one more in an at_exit block
  # registered before the gem loaded, so that it runs after the gem's.
  def run_with_late_event(endpoint)
    run_ruby(<<~RUBY)
      at_exit { EzlogsRubyAgent.log_event(event_type: "app.exit", action: "late", actor: { type: "system", id: 1 }) }
      #{agent_script("c.delivery.endpoint = #{endpoint.inspect}", "emit(1)")}
    RUBY
  end

  it "reports events logged in later at_exit blocks once the exit's first flush has failed" do
    result = run_with_late_event("http://127.0.0.1:#{closed_port}/events")
    expect(result).to be_success, result.stderr
    expect(result.stderr.lines.grep(/exiting with 1 of 1 events not delivered \(1 lost\)/).size).to eq(2), result.stderr
  end

  it "says when the queue was full, once, and counts those events in the exit's report" do
    settings = "c.delivery.endpoint = 'http://127.0.0.1:#{closed_port}/events'; " \
               "c.performance.event_buffer_size = 10; c.delivery.flush_interval = 60"
    result = run_ruby(agent_script(settings, "50.times { |i| emit(i) }"))
    expect(result).to be_success, result.stderr
    expect(result.stderr.scan("events dropped (queue_full): the queue holds at most " \
                              "performance.event_buffer_size (10) events").size).to eq(1)
    expect(result.stderr).to include("exiting with 10 of 10 events not delivered (10 lost) " \
                                     "(and 40 were dropped earlier, when the queue was full)")
  end

  it "delivers events logged in at_exit blocks that run after the gem's own (registered before it loaded)" do
    result = run_with_late_event(collector.url)
    expect(result).to be_success, result.stderr
    expect(result.stderr).to be_empty
    expect(collector.events.map { |e| e["action"] }).to contain_exactly("created", "late")
  end

  it "delivers the events of tests run by minitest/autorun loaded before the gem, however long they run" do
    # minitest runs the suite in its at_exit block, after the gem's (which
    # sends the event logged as the app loaded): the suite outlasts
    # delivery.shutdown_timeout, and delivery goes on as usual.
    settings = "c.delivery.endpoint = #{collector.url.inspect}; c.delivery.shutdown_timeout = 0.5"
    result = run_ruby(<<~RUBY)
      require "minitest/autorun"
      #{agent_script(settings, "emit(0)")}
      class CheckoutTest < Minitest::Test
        def test_checkout
          3.times do |i|
            sleep 0.4
            EzlogsRubyAgent.log_event(event_type: "test.ran", action: "checkout", actor: { type: "user", id: i })
          end
          assert true
        end
      end
    RUBY
    expect(result).to be_success, result.stdout + result.stderr
    expect(result.stdout).to include("1 runs, 1 assertions, 0 failures")
    expect(events_named("checkout").size).to eq(3)
    expect(result.stderr).to be_empty
  end

  it "delivers what is queued before exit!, Kernel.exit! and Process.exit!, which skip at_exit" do
    %w[exit!(0) Kernel.exit!(0) Process.exit!(true)].each do |call|
      result = run_ruby(agent_script("c.delivery.endpoint = #{collector.url.inspect}", <<~RUBY))
        5.times { |i| EzlogsRubyAgent.log_event(event_type: "job.ran", action: #{call.inspect}, actor: { type: "user", id: i }) }
        #{call}
      RUBY
      expect(result).to be_success, result.stderr
      expect(events_named(call).size).to eq(5), call
    end
  end

  it "delivers what was queued before Process.daemon, whose parent leaves without at_exit" do
    result = run_ruby(agent_script("c.delivery.endpoint = #{collector.url.inspect}", <<~RUBY))
      5.times { |i| EzlogsRubyAgent.log_event(event_type: "app.boot", action: "before_daemon", actor: { type: "user", id: i }) }
      Process.daemon(true)
      EzlogsRubyAgent.log_event(event_type: "app.boot", action: "daemonized", actor: { type: "user", id: Process.pid })
    RUBY
    expect(result).to be_success, result.stderr
    wait_for_events(6)
    expect(events_named("before_daemon").size).to eq(5)
    expect(events_named("daemonized").size).to eq(1)
  end

  it "delivers what is queued when the process dies of SIGTERM" do
    result = run_ruby(agent_script("c.delivery.endpoint = #{collector.url.inspect}", <<~RUBY))
      5.times { |i| emit(i) }
      Process.kill("TERM", Process.pid)
      sleep 10
    RUBY
    expect(result.status.termsig).to eq(Signal.list["TERM"])
    expect(collector.events.size).to eq(5)
  end

  it "sends the parts of a batch refused as too large, drops only the event that cannot fit, and flush says so" do
    collector.refuse_bodies_over(20_000)
    result = run_ruby(agent_script("c.delivery.endpoint = #{collector.url.inspect}", <<~RUBY))
      15.times { |i| emit(i) }
      EzlogsRubyAgent.log_event(event_type: "order.placed", action: "huge", actor: { type: "user", id: 99 },
                                metadata: { notes: "x" * 30_000 })
      14.times { |i| emit(100 + i) }
      print [EzlogsRubyAgent.flush(timeout: 10), EzlogsRubyAgent.metrics[:events_dropped][:too_large]].inspect
    RUBY
    expect(result).to be_success, result.stderr
    expect(result.stdout).to eq("[false, 1]")
    expect(collector.events.map { |e| e["actor"]["id"] }).to eq((0...15).to_a + (100...114).to_a)
    expect(result.stderr.scan("events dropped (too_large): collector answered HTTP 413").size).to eq(1)
  end

  it "flush is false for events a full queue refused, events logged after shutdown, and events in the spool" do
    spool = Dir.mktmpdir("ezlogs-flush-spool")
    port = closed_port
    settings = "c.delivery.endpoint = #{collector.url.inspect}; c.performance.event_buffer_size = 10; " \
               "c.delivery.flush_interval = 60; c.delivery.batch_size = 1000"
    result = run_ruby(agent_script(settings, <<~RUBY))
      50.times { |i| emit(i) }
      full = EzlogsRubyAgent.flush(timeout: 10)
      emit(50)
      after = EzlogsRubyAgent.flush(timeout: 10)
      EzlogsRubyAgent.shutdown(timeout: 10)
      emit(51)
      shut = EzlogsRubyAgent.flush(timeout: 10)
      print [full, after, shut].inspect
    RUBY
    expect(result).to be_success, result.stderr
    expect(result.stdout).to eq("[false, true, false]")

    spooled = run_ruby(agent_script("c.delivery.endpoint = 'http://127.0.0.1:#{port}/events'; " \
                                    "c.delivery.spool_dir = #{spool.inspect}", <<~RUBY))
                                      emit(1)
                                      print [EzlogsRubyAgent.flush(timeout: 10), EzlogsRubyAgent.flush(timeout: 10)].inspect
                                    RUBY
    expect(spooled.stdout).to eq("[false, false]"), spooled.stderr
    # Nothing new to send at exit, and nothing lost: it says what waits.
    expect(spooled.stderr).to include("exiting: 1 events wait in the spool in #{spool}, for the next process")
  ensure
    FileUtils.rm_rf(spool)
  end

  it "flush in a forked child answers for the child's events, not what the parent refused" do
    dir = Dir.mktmpdir("ezlogs-fork-flush")
    result = run_ruby(agent_script("c.delivery.endpoint = 'file://#{dir}/events.jsonl'", <<~RUBY))
      EzlogsRubyAgent.shutdown(timeout: 5)
      emit(1) # refused: the agent has shut down
      child = fork do
        emit(2)
        Process.exit!(EzlogsRubyAgent.flush(timeout: 5) ? 0 : 1)
      end
      Process.wait(child)
      print $?.exitstatus, EzlogsRubyAgent.flush(timeout: 5)
    RUBY
    expect(result).to be_success, result.stderr
    expect(result.stdout).to eq("0false")
  ensure
    FileUtils.rm_rf(dir)
  end

  it "says at exit how many events a full queue refused, even when the rest was delivered" do
    settings = "c.delivery.endpoint = #{collector.url.inspect}; c.performance.event_buffer_size = 10; " \
               "c.delivery.flush_interval = 60; c.delivery.batch_size = 1000"
    result = run_ruby(agent_script(settings, "50.times { |i| emit(i) }"))
    expect(result).to be_success, result.stderr
    expect(collector.events.size).to eq(10)
    expect(result.stderr.lines.grep(/exiting/)).to eq(
      ["[ezlogs_ruby_agent] exiting: 40 were dropped earlier, when the queue was full\n"]
    )
  end

  it "flush is false when nothing was delivered" do
    collector.fail_next(10, status: 413)
    result = run_ruby(agent_script("c.delivery.endpoint = #{collector.url.inspect}", <<~RUBY))
      30.times { |i| emit(i) }
      first = EzlogsRubyAgent.flush(timeout: 10)
      emit(30)
      print [first, EzlogsRubyAgent.flush(timeout: 10)].inspect
    RUBY
    expect(result).to be_success, result.stderr
    expect(result.stdout).to eq("[false, true]")
  end
end
