# frozen_string_literal: true

# What logging costs the app's other threads: a CPU-bound Ruby thread's
# time for a fixed piece of work while another thread logs RATE events a
# second, with log_event against a no-op of the same signature (the same
# call site, building the same hashes). Both threads share the GVL; the
# agent's worker runs outside it and delivers to a JSON-lines sink on
# /dev/null. Rounds alternate between the two loggers; medians of ROUNDS.
#
#   ruby -Ilib benches/gvl.rb      (ROUNDS=21 RATE=20000)

require "ezlogs_ruby_agent"
require_relative "support/events"

ROUNDS = Integer(ENV.fetch("ROUNDS", 21))
RATE = Integer(ENV.fetch("RATE", 20_000))

BenchEvents.configure("file:///dev/null")
EzlogsRubyAgent.start_flow("bench", 1)
Baseline = BenchEvents::NoOp

# Logs at RATE a second, in slices of a hundredth of a second, until told
# to stop.
def logger_thread(target)
  Thread.new do
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    logged = 0
    until Thread.current[:stop]
      (RATE / 100).times { |i| BenchEvents.small(target, i) }
      logged += RATE / 100
      delay = started + (logged.to_f / RATE) - Process.clock_gettime(Process::CLOCK_MONOTONIC)
      sleep(delay) if delay.positive?
    end
  end
end

# The CPU-bound work: about a quarter of a second of plain Ruby here.
def work
  (1..4_000_000).reduce(0) { |sum, n| sum + ((n * 7) % 13) }
end

def timed_work(target)
  logger = logger_thread(target)
  sleep 0.05
  started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  work
  elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
  logger[:stop] = true
  logger.join
  elapsed
end

def median(values) = values.sort[values.size / 2]

2.times { [Baseline, EzlogsRubyAgent].each { |target| timed_work(target) } } # warm up
times = { Baseline => [], EzlogsRubyAgent => [] }
ROUNDS.times { times.each_key { |target| times[target] << timed_work(target) } }
EzlogsRubyAgent.flush(timeout: 30)

noop = median(times[Baseline])
agent = median(times[EzlogsRubyAgent])
puts "gvl: a CPU-bound thread while another logs #{RATE} events/s, medians of #{ROUNDS} rounds, Ruby #{RUBY_VERSION}"
puts format("  with a no-op logger : %<ms>.1f ms", ms: noop * 1000)
puts format("  with log_event      : %<ms>.1f ms (%<pct>+.1f%%)", ms: agent * 1000, pct: ((agent / noop) - 1) * 100)
puts "  dropped: #{EzlogsRubyAgent.metrics[:events_dropped_total]}"
