# frozen_string_literal: true

# log_event against a no-op Ruby method that takes the same arguments, in the
# same process, with the same call site building the same hashes. Events go
# through the real pipeline (queue, background JSON serialisation, a
# JSON-lines sink on /dev/null). Rounds alternate between the two so that
# noise on this shared machine hits both alike; medians are reported.
#
# The worker runs on the other core, and what it does there (freeing the
# events' memory, taking the queue's lock) slows the calling thread a
# little. WORKER says where that lands:
#   alongside  (default) the worker runs during the calls, as in an app; a
#              worker that falls behind does part of its work during the
#              next rounds, the no-op's included;
#   idle       the worker sleeps during the calls and sends each round's
#              events after it, untimed: the calling thread alone;
#   delivered  the clock stops when flush says the round's events were
#              delivered: the calling thread and the worker together.
#
# Two more arms log to a collector in another process, side by side: the
# ezlogs agent's HTTP sink and the OTLP/HTTP sink (benches/support/
# sink_collector.rb); the agent is configured for each arm's sink before
# its round (untimed).
#
#   bundle exec rake bench        (or: ruby -Ilib benches/log_event.rb)

require "ezlogs_ruby_agent"
require "json"
require_relative "support/sink_collector"

ROUNDS = Integer(ENV.fetch("ROUNDS", 15))
CALLS = Integer(ENV.fetch("CALLS", 20_000))
WORKER = ENV.fetch("WORKER", "alongside")
WORKERS = %w[alongside idle delivered].freeze
abort "WORKER must be one of #{WORKERS.join(", ")}, not #{WORKER.inspect}" unless WORKERS.include?(WORKER)

# The agent, delivering to `endpoint`.
def configure(endpoint)
  EzlogsRubyAgent.configure do |c|
    c.service_name = "bench"
    c.delivery.endpoint = endpoint
    c.performance.event_buffer_size = 400_000
    c.performance.event_buffer_bytes = 1 << 30
    if WORKER == "idle" # no batch fills and no interval passes during a round
      c.delivery.batch_size = CALLS + 1
      c.delivery.flush_interval = 600
    end
  end
end

# The baseline: a method with log_event's signature that does nothing.
module Baseline
  def self.log_event(event_type:, action:, actor:, subject: nil, metadata: nil)
    [event_type, action, actor, subject, metadata] && nil
  end
end

# A yardstick, not a target: the least a Ruby agent that copies its
# arguments on the calling thread pays, here by handing them to Ruby's own C
# JSON encoder (no ids, no context, no queue).
module JsonYardstick
  def self.log_event(event_type:, action:, actor:, subject: nil, metadata: nil)
    JSON.generate([event_type, action, actor, subject, metadata]) && nil
  end
end

def call_site(target, user_id)
  target.log_event(event_type: "order.placed", action: "created", actor: { type: "user", id: user_id },
                   subject: { type: "order", id: 42 }, metadata: { total: 59.9, items: 3, currency: "EUR" })
end

# The agent delivering to `endpoint` (nil: as it is), after the events
# logged so far were sent; untimed.
def use_sink(endpoint)
  return if endpoint.nil? || endpoint == @endpoint

  EzlogsRubyAgent.flush(timeout: 60)
  configure(@endpoint = endpoint)
end

def measure(target, endpoint)
  use_sink(endpoint)
  GC.start
  allocated = GC.stat(:total_allocated_objects)
  started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  CALLS.times { |i| call_site(target, i) }
  EzlogsRubyAgent.flush(timeout: 60) if WORKER == "delivered" && target == EzlogsRubyAgent
  elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
  EzlogsRubyAgent.flush(timeout: 60) if WORKER == "idle" && target == EzlogsRubyAgent
  [elapsed * 1e6 / CALLS, (GC.stat(:total_allocated_objects) - allocated).to_f / CALLS]
end

def median(values)
  sorted = values.sort
  sorted[sorted.size / 2]
end

COLLECTOR = SinkCollector.new
# [target, endpoint]: the sinks' arms log to the collector, the main
# log_event arm (last in each round) to a JSON-lines file on /dev/null.
ARMS = { "no-op baseline" => [Baseline, nil], "JSON yardstick" => [JsonYardstick, nil],
         **COLLECTOR.endpoints.transform_values { |url| [EzlogsRubyAgent, url] },
         "log_event" => [EzlogsRubyAgent, "file:///dev/null"] }.freeze

EzlogsRubyAgent.start_flow("bench", 1)
2.times { ARMS.each_value { |arm| measure(*arm) } } # warm up
results = ARMS.transform_values { [] }
ROUNDS.times do
  ARMS.each { |name, arm| results[name] << measure(*arm) }
end
# What the worker still had to send when the app stopped calling, and how
# long it took: whether it keeps up with calls at this rate.
backlog = EzlogsRubyAgent.metrics[:queue_depth]
last_call = Process.clock_gettime(Process::CLOCK_MONOTONIC)
EzlogsRubyAgent.flush(timeout: 60)
drained = Process.clock_gettime(Process::CLOCK_MONOTONIC) - last_call

baseline_us = median(results["no-op baseline"].map(&:first))
agent_us = median(results["log_event"].map(&:first))
json_us = median(results["JSON yardstick"].map(&:first))
baseline_objects = median(results["no-op baseline"].map(&:last))
agent_objects = median(results["log_event"].map(&:last))
metrics = EzlogsRubyAgent.metrics

puts "log_event benchmark: #{ROUNDS} rounds x #{CALLS} calls, medians, Ruby #{RUBY_VERSION}, worker #{WORKER}"
puts format("  no-op baseline : %<us>.3f us/call, %<objects>.2f objects/call", us: baseline_us,
                                                                               objects: baseline_objects)
puts format("  log_event      : %<us>.3f us/call, %<objects>.2f objects/call", us: agent_us, objects: agent_objects)
puts format("  ratio          : %<ratio>.2fx time, %<extra>+.2f objects per call",
            ratio: agent_us / baseline_us, extra: agent_objects - baseline_objects)
puts format("  yardstick      : JSON.generate of the same arguments %<us>.3f us/call (%<ratio>.2fx the no-op)",
            us: json_us, ratio: json_us / baseline_us)
COLLECTOR.endpoints.each_key do |sink|
  us = median(results[sink].map(&:first))
  puts format("  to %<sink>-20s: %<us>.3f us/call (%<ratio>.2fx the no-op)", sink:, us:, ratio: us / baseline_us)
end
COLLECTOR.stop
puts "  delivered #{metrics[:events_delivered]} of #{metrics[:events_captured]} events, " \
     "dropped #{metrics[:events_dropped_total]} #{metrics[:events_dropped].select { |_, n| n.positive? }}"
puts format("  pipeline       : %<backlog>d events queued at the last call, all sent %<s>.2f s later",
            backlog:, s: drained)
