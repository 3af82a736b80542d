# frozen_string_literal: true

# What logging costs the app's other threads. A CPU-bound Ruby thread does a
# fixed piece of work while another thread logs RATE events a second, with
# log_event or with a no-op of the same signature (the same call site,
# building the same hashes). Both threads share the GVL; the agent's worker
# runs outside it and delivers to a JSON-lines sink on /dev/null. Each round
# runs three arms in turn: no-op, log_event, no-op again.
#
# Two measures, and two that explain the slowdown:
#   GVL held    the logging thread's CPU time over the round, per event
#               logged: a Ruby thread runs only while it holds the GVL, so
#               this is time the other threads cannot have. What log_event
#               adds over the no-op, times RATE, is its share of a second.
#               It moves little between runs (thread CPU time leaves out
#               what the host's other guests take).
#   slowdown    the CPU-bound thread's time for its work, log_event's arm
#               over the first no-op arm's in the same round, median of the
#               rounds' ratios. The two no-op arms compared the same way
#               give the machine's noise ("no-op vs no-op"): on a shared
#               2-core machine it is a few per cent, as large as the effect.
#   preempted   how often the kernel took the CPU from the logging thread
#               in a round (its involuntary context switches, Linux): it
#               then holds the GVL without running, which its CPU time does
#               not show. The worker, woken by a full batch, did so before
#               it ran under SCHED_BATCH (delivery/scheduling.rs).
#   waited      the logging thread's time runnable but without a CPU in a
#               round (Linux's schedstat): the preemptions' cost, and also
#               its waits to run again after each sleep (holding no GVL).
#
#   ruby -Ilib benches/gvl.rb      (ROUNDS=21 RATE=20000)

require "ezlogs_ruby_agent"
require_relative "support/events"

ROUNDS = Integer(ENV.fetch("ROUNDS", 21))
RATE = Integer(ENV.fetch("RATE", 20_000))

BenchEvents.configure("file:///dev/null")
EzlogsRubyAgent.start_flow("bench", 1)

def monotonic = Process.clock_gettime(Process::CLOCK_MONOTONIC)
def thread_cpu = Process.clock_gettime(Process::CLOCK_THREAD_CPUTIME_ID)

# The calling thread's involuntary context switches so far (proc(5));
# 0 where /proc has none.
def preemptions
  File.read("/proc/thread-self/status")[/^nonvoluntary_ctxt_switches:\s+(\d+)/, 1].to_i
rescue SystemCallError
  0
end

# The calling thread's time waiting for a CPU so far (seconds; proc(5),
# schedstat); 0 where /proc has none.
def runqueue_wait
  File.read("/proc/thread-self/schedstat").split[1].to_i / 1e9
rescue SystemCallError
  0
end

# The calling thread's CPU time, preemptions and wait for a CPU so far.
def thread_counters = [thread_cpu, preemptions, runqueue_wait]

# Logs at RATE a second, in slices of a hundredth of a second, until the
# thread is told to stop; returns the events it logged. (It falls behind
# RATE when it waits for the GVL longer than a slice: Ruby hands the lock
# over every 100 ms.)
def log_at_rate(target)
  started = monotonic
  logged = 0
  until Thread.current[:stop]
    (RATE / 100).times { |i| BenchEvents.small(target, i) }
    logged += RATE / 100
    delay = started + (logged.to_f / RATE) - monotonic
    sleep(delay) if delay.positive?
  end
  logged
end

# A thread that logs through `target`; its value is its CPU time, the
# events it logged, its preemptions and its wait for a CPU.
def logger_thread(target)
  Thread.new do
    before = thread_counters
    logged = log_at_rate(target)
    cpu, preempted, waited = thread_counters.zip(before).map { |now, earlier| now - earlier }
    [cpu, logged, preempted, waited]
  end
end

# The CPU-bound work: about a quarter of a second of plain Ruby here.
def work
  (1..4_000_000).reduce(0) { |sum, n| sum + ((n * 7) % 13) }
end

# What one arm of a round measured: the work's wall time, the logging
# thread's CPU time per event (seconds), its preemptions and its wait for
# a CPU (seconds).
Arm = Struct.new(:work_time, :held_per_event, :preempted, :waited)

# Runs the work once while `target` logs.
def arm(target)
  logger = logger_thread(target)
  sleep 0.05
  started = monotonic
  work
  elapsed = monotonic - started
  logger[:stop] = true
  cpu, logged, preempted, waited = logger.value
  Arm.new(elapsed, cpu / logged, preempted, waited)
end

def median(values) = values.sort[values.size / 2]

ARMS = [BenchEvents::NoOp, EzlogsRubyAgent, BenchEvents::NoOp].freeze
2.times { ARMS.each { |target| arm(target) } } # warm up
rounds = Array.new(ROUNDS) { ARMS.map { |target| arm(target) } }
EzlogsRubyAgent.flush(timeout: 30)

# The median over the rounds of an arm's `field`: the no-op's (arm 0) or
# log_event's (arm 1).
def arm_median(rounds, arm, field) = median(rounds.map { |round| round[arm].public_send(field) })

noop_held = arm_median(rounds, 0, :held_per_event)
agent_held = arm_median(rounds, 1, :held_per_event)
slowdown = median(rounds.map { |(noop, agent, _)| (agent.work_time / noop.work_time) - 1 })
noise = median(rounds.map { |(noop, _, again)| (again.work_time / noop.work_time) - 1 })
work_ms = arm_median(rounds, 0, :work_time) * 1000

puts "gvl: a CPU-bound thread while another logs #{RATE} events/s, medians of #{ROUNDS} rounds, Ruby #{RUBY_VERSION}"
puts format("  GVL held per event : no-op %<noop>.2f us, log_event %<agent>.2f us: " \
            "+%<share>.1f%% of each second at %<rate>d events/s",
            noop: noop_held * 1e6, agent: agent_held * 1e6, share: (agent_held - noop_held) * RATE * 100, rate: RATE)
puts format("  slowdown           : %<slowdown>+.1f%% (no-op vs no-op: %<noise>+.1f%%; work %<ms>.1f ms)",
            slowdown: slowdown * 100, noise: noise * 100, ms: work_ms)
puts format("  preempted          : no-op %<noop>d, log_event %<agent>d times a round (medians)",
            noop: arm_median(rounds, 0, :preempted), agent: arm_median(rounds, 1, :preempted))
puts format("  waited for a CPU   : no-op %<noop>.2f ms, log_event %<agent>.2f ms a round (medians)",
            noop: arm_median(rounds, 0, :waited) * 1000, agent: arm_median(rounds, 1, :waited) * 1000)
puts "  dropped: #{EzlogsRubyAgent.metrics[:events_dropped_total]}"
