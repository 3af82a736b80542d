# frozen_string_literal: true

# The app's threads log an event and track a request without a system call:
# one holds the GVL, 0.3 - 0.45 us a getpid(2) on the build machines, which
# instruction counts do not show. (Before f4edc14 every event asked the
# kernel for the pid twice: glibc does not cache it, and the agent's copy
# was kept only in forked children.)
# Each example runs a process under strace, with the worker idle (it would
# make system calls of its own), and counts every system call made between
# two markers the script writes.
RSpec.describe "System calls on the app's threads" do
  let(:events) { 2_000 }

  # `body` defines `work`, a lambda that does something `n` times.
  def system_calls_between_markers(body)
    script = agent_script(<<~CONFIG, <<~RUBY)
      c.delivery.endpoint = "file:///dev/null"
      c.delivery.batch_size = 1_000_000
      c.delivery.flush_interval = 600
    CONFIG
      #{body}
      work.call(200)
      GC.start
      GC.disable
      File.write("/dev/null", "ezlogs-start")
      work.call(#{events})
      File.write("/dev/null", "ezlogs-end")
      Process.method(:exit!).super_method.call(0)
    RUBY
    marked_calls(strace(script))
  end

  # strace's log of the script's run: one line a system call, by thread.
  def strace(script)
    Dir.mktmpdir("ezlogs-strace") do |dir|
      log = File.join(dir, "strace.log")
      ruby = [RbConfig.ruby, "-I", "#{Subprocess::ROOT}/lib", "-e", script]
      result = run_command(["strace", "-f", "-qq", "-o", log, *ruby])
      expect(result).to be_success, "strace (install it with bin/setup) or the script failed: #{result.stderr}"
      File.readlines(log)
    end
  end

  def marked_calls(lines)
    first = lines.index { |line| line.include?('"ezlogs-start"') }
    last = lines.index { |line| line.include?('"ezlogs-end"') }
    lines[(first + 1)...last].map { |line| line[/^\d+\s+(\w+)/, 1] }.compact
  end

  # The markers' own File.write opens and closes /dev/null between them.
  # Ruby's GC, which makes calls of its own, is off during the count.
  # Memory taken from and returned to the system (Ruby's heap pages, the
  # allocators' own) comes and goes on its own clock, not with each event,
  # and is not counted.
  def expect_none_per_event(calls)
    counted = calls.reject { |call| %w[mmap munmap madvise brk mprotect].include?(call) }
    expect(counted.size).to be < 10, "#{calls.size} system calls for #{events} events: #{calls.tally}"
  end

  it "makes none per log_event" do
    expect_none_per_event(system_calls_between_markers("work = ->(n) { n.times { |i| emit(i) } }"))
  end

  it "makes none per request tracked by HttpTracker" do
    expect_none_per_event(system_calls_between_markers(<<~RUBY))
      require "rack"
      app = EzlogsRubyAgent::HttpTracker.new(->(_env) { [200, { "content-type" => "text/plain" }, ["ok"]] })
      env = Rack::MockRequest.env_for("/orders/7?page=2", "REMOTE_ADDR" => "10.0.0.1")
      work = ->(n) { n.times { app.call(env.dup) } }
    RUBY
  end
end
