# frozen_string_literal: true

# Events outside test mode go through the real pipeline: a bounded queue, a
# background worker, and (until HTTP delivery lands) a JSON-lines file sink.
RSpec.describe "Delivering events" do
  let(:dir) { Dir.mktmpdir("ezlogs-delivery") }
  let(:path) { File.join(dir, "events.jsonl") }

  after { FileUtils.rm_rf(dir) }

  def run_agent(body, endpoint: "file://#{path}")
    run_ruby(agent_script("c.delivery.endpoint = #{endpoint.inspect}", body))
  end

  def delivered
    File.readlines(path).map { |line| JSON.parse(line) }
  end

  it "writes every event once, as JSON lines, when flushed" do
    result = run_agent(<<~RUBY)
      ids = Array.new(4) { Thread.new { Array.new(2_500) { |i| emit(i) } } }.flat_map(&:value)
      print [EzlogsRubyAgent.flush(timeout: 10), ids.size].inspect
      STDERR.print EzlogsRubyAgent.metrics.to_json
    RUBY
    expect(result.stdout).to eq("[true, 10000]"), result.stderr
    events = delivered
    expect(events.map { |e| e["event_id"] }.uniq.size).to eq(10_000)
    expect(events.first).to include("event_type" => "order.placed", "actor" => { "type" => "user", "id" => 0 })
    metrics = JSON.parse(result.stderr)
    expect(metrics).to include("events_captured" => 10_000, "events_delivered" => 10_000, "events_dropped_total" => 0)
  end

  it "keeps events in the in-memory capture with the memory:// endpoint, processed like any sink's" do
    result = run_agent(<<~RUBY, endpoint: "memory://")
      3.times { |i| EzlogsRubyAgent.log_event(event_type: "a.b", action: "c", actor: { type: "t", id: i }, metadata: { token: "t" }) }
      EzlogsRubyAgent.flush(timeout: 5)
      print JSON.generate(EzlogsRubyAgent.captured_events.map { |e| e[:event][:metadata] })
    RUBY
    expect(JSON.parse(result.stdout)).to eq([{ "token" => "[REDACTED]" }] * 3), result.stderr
  end

  it "delivers what is still queued when the process exits" do
    result = run_agent("500.times { |i| emit(i) }")
    expect(result).to be_success, result.stderr
    expect(delivered.size).to eq(500)
  end

  it "drops and counts events beyond the queue bound, without blocking" do
    result = run_agent(<<~RUBY, endpoint: "file://#{File.join(dir, "bounded.jsonl")}")
      # A batch larger than the queue and a long interval: the worker waits
      # while the queue overflows.
      EzlogsRubyAgent.configure { |c| c.performance.event_buffer_size = 10; c.delivery.flush_interval = 60 }
      started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
      10_000.times { |i| emit(i) }
      elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
      EzlogsRubyAgent.flush(timeout: 5)
      m = EzlogsRubyAgent.metrics
      print [m[:events_captured], m[:events_delivered] + m[:events_dropped][:queue_full], elapsed < 2].inspect
    RUBY
    captured, accounted, fast = eval(result.stdout) # rubocop:disable Security/Eval
    expect(captured).to eq(10_000), result.stderr
    expect(accounted).to eq(10_000)
    expect(fast).to be(true)
  end

  it "counts events it cannot deliver and says why, once" do
    result = run_agent(<<~RUBY, endpoint: "file:///proc/ezlogs/events.jsonl")
      3.times { |i| emit(i) }
      EzlogsRubyAgent.flush(timeout: 5)
      print EzlogsRubyAgent.metrics[:events_dropped][:endpoint_unavailable]
    RUBY
    expect(result.stdout).to eq("3")
    expect(result.stderr.scan("events dropped (endpoint_unavailable): cannot open /proc/ezlogs/events.jsonl").size)
      .to eq(1)
  end

  it "delivers a forked child's events from the child, once, and the parent keeps delivering" do
    result = run_agent(<<~RUBY)
      emit(-1)
      pid = fork do
        Array.new(1_000) { |i| emit(i) }
        EzlogsRubyAgent.flush(timeout: 5)
        # The child's counters count the child's events only.
        metrics = EzlogsRubyAgent.metrics
        exit!(metrics[:events_captured] == 1_000 && metrics[:events_delivered] == 1_000)
      end
      Process.wait(pid)
      emit(-2)
      EzlogsRubyAgent.flush(timeout: 5)
      print $?.success?, " ", EzlogsRubyAgent.metrics[:events_captured]
    RUBY
    expect(result.stdout).to eq("true 2"), result.stderr
    by_process = delivered.group_by { |e| e["platform"]["process_id"] }
    expect(by_process.values.map(&:size).sort).to eq([2, 1_000])
    expect(delivered.map { |e| e["event_id"] }.uniq.size).to eq(1_002)
  end

  # Each thread's scheduling policy is field 41 of its stat (proc(5)):
  # SCHED_OTHER, Linux's default, is 0; SCHED_BATCH is 3.
  def scheduling_policies
    <<~'RUBY'
      def policy(task) = File.read("#{task}/stat").split(")").last.split[38].to_i
      def worker_policies
        Dir["/proc/self/task/*"].select { |task| File.read("#{task}/comm").strip == "ezlogs-delivery" }.map { policy(_1) }
      end
    RUBY
  end

  it "runs the worker thread under SCHED_BATCH, so that waking it never preempts the app's thread",
     skip: (RUBY_PLATFORM.include?("linux") ? false : "Linux only") do
    result = run_agent(<<~RUBY)
      #{scheduling_policies}
      emit(0)
      EzlogsRubyAgent.flush(timeout: 5)
      reader, writer = IO.pipe
      Process.wait(fork { emit(1); EzlogsRubyAgent.flush(timeout: 5); writer.print(worker_policies.inspect); exit!(0) })
      writer.close
      print [policy("/proc/thread-self"), worker_policies, eval(reader.read)].inspect
    RUBY
    app, parent, child = eval(result.stdout) # rubocop:disable Security/Eval
    expect(app).to eq(0), "the app's own thread keeps Linux's default policy"
    expect(parent).to eq([3]), result.stderr
    expect(child).to eq([3]), "a forked child's own worker: #{result.stderr}"
  end

  it "survives 50 forks in a row under load without hanging" do
    result = run_agent(<<~RUBY)
      load = Thread.new do
        loop do
          100.times { emit(0) }
          sleep 0.01
        end
      end
      50.times { Process.wait(fork { emit(1) }) }
      load.kill
      print EzlogsRubyAgent.flush(timeout: 10)
    RUBY
    expect(result.stdout).to eq("true"), result.stderr
    expect(delivered.count { |e| e["actor"]["id"] == 1 }).to eq(50)
  end
end
