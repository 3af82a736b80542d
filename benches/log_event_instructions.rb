# frozen_string_literal: true

# The instructions one log_event call executes, against the no-op baseline of
# benches/log_event.rb, counted by valgrind: unlike time, the count does not
# depend on what else the shared machine is doing, so it shows whether a
# change to the calling-thread path helped. Each target runs twice under
# valgrind with different call counts; the difference divided by the extra
# calls is the cost of one call, start-up excluded. The worker is kept idle
# (one batch per 10 minutes), and the process leaves with Ruby's own exit!
# (the gem's hook would send the queued events first), so that only the
# calling thread is counted. The GC is off during the calls: a collection
# that falls in one run and not the other (the heap's size decides) would
# add millions of instructions to one side of the difference.
#
#   ruby -Ilib benches/log_event_instructions.rb       (needs valgrind)

require "open3"
require_relative "support/agent_lib"

SHORT = 2_000
LONG = 12_000

if (target = ENV.fetch("EZLOGS_BENCH_TARGET", nil))
  require "ezlogs_ruby_agent"
  EzlogsRubyAgent.configure do |c|
    c.service_name = "bench"
    c.delivery.endpoint = "file:///dev/null"
    c.delivery.batch_size = 1_000_000
    c.delivery.flush_interval = 600
    c.performance.event_buffer_size = 100_000
  end
  EzlogsRubyAgent.start_flow("bench", 1)
  # log_event's signature, doing nothing: the no-op of benches/log_event.rb.
  module Baseline
    def self.log_event(event_type:, action:, actor:, subject: nil, metadata: nil)
      [event_type, action, actor, subject, metadata] && nil
    end
  end
  receiver = target == "baseline" ? Baseline : EzlogsRubyAgent
  GC.start
  GC.disable
  Integer(ENV.fetch("EZLOGS_BENCH_CALLS")).times do |user_id|
    receiver.log_event(event_type: "order.placed", action: "created", actor: { type: "user", id: user_id },
                       subject: { type: "order", id: 42 }, metadata: { total: 59.9, items: 3, currency: "EUR" })
  end
  Process.method(:exit!).super_method.call(0)
end

def instructions(target, calls)
  env = { "EZLOGS_BENCH_TARGET" => target, "EZLOGS_BENCH_CALLS" => calls.to_s }
  command = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
             RbConfig.ruby, "-I#{AgentLib.dir}", __FILE__]
  _out, err, status = Open3.capture3(env, *command)
  abort "valgrind failed (is it installed? apt-get install valgrind):\n#{err}" unless status.success?
  Integer(err[/I\s+refs:\s+([\d,]+)/, 1].delete(","))
end

def per_call(target)
  (instructions(target, LONG) - instructions(target, SHORT)) / (LONG - SHORT)
end

baseline = per_call("baseline")
agent = per_call("log_event")
puts "log_event instructions (valgrind), per call, Ruby #{RUBY_VERSION}"
puts format("  no-op baseline : %<n>6d", n: baseline)
puts format("  log_event      : %<n>6d", n: agent)
puts format("  ratio          : %<r>.2fx", r: agent.to_f / baseline)
