# frozen_string_literal: true

# Events delivered a second to a collector in another process over one
# keep-alive connection on loopback (uncompressed, as for a local
# collector): the app logs EVENTS of BenchEvents' small events (benches/support)
# as fast as it can, and the clock runs from the first call until `flush`
# says all were delivered. The collector reads each request whole and
# answers 200 without parsing it, so that the agent's worker, not the
# collector, sets the pace. Each run measures both sinks in turn: the ezlogs
# agent's JSON (http://) and OTLP/HTTP logs in protobuf (otlp+http://,
# where the worker also translates each batch).
#
#   ruby -Ilib benches/throughput.rb      (EVENTS=200000 RUNS=3)
#   ONLY=ezlogs ruby -I../other/lib benches/throughput.rb    the sinks whose name matches ONLY:
#                                          an older build, without OTLP, against this one

EVENTS = Integer(ENV.fetch("EVENTS", 200_000))
RUNS = Integer(ENV.fetch("RUNS", 3))

require "ezlogs_ruby_agent"
require_relative "support/events"
require_relative "support/sink_collector"

COLLECTOR = SinkCollector.new
SINKS = COLLECTOR.endpoints.select { |name, _| name.match?(Regexp.new(ENV.fetch("ONLY", ""), Regexp::IGNORECASE)) }

# Events a second for one run through `endpoint`.
def rate(endpoint)
  BenchEvents.configure(endpoint, buffer: EVENTS + 1)
  EzlogsRubyAgent.start_flow("bench", 1)
  started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  EVENTS.times { |i| BenchEvents.small(EzlogsRubyAgent, i) }
  abort "not all delivered to #{endpoint}" unless EzlogsRubyAgent.flush(timeout: 120)
  EVENTS / (Process.clock_gettime(Process::CLOCK_MONOTONIC) - started)
end

runs = Array.new(RUNS) { SINKS.transform_values { |endpoint| rate(endpoint) } }
metrics = EzlogsRubyAgent.metrics
COLLECTOR.stop

puts "throughput: #{EVENTS} events a run to a keep-alive collector in another process, Ruby #{RUBY_VERSION}"
SINKS.each_key do |sink|
  rates = runs.map { |run| "#{(run[sink] / 1000).round}k" }.join(", ")
  puts format("  %-22<sink>s events/s: %<rates>s", sink:, rates:)
end
if SINKS.size == 2
  ratios = runs.map { |run| run["OTLP/HTTP (protobuf)"] / run["ezlogs HTTP (JSON)"] }
  puts "  OTLP / ezlogs, per run: #{ratios.map { |ratio| format("%.2fx", ratio) }.join(", ")}"
end
puts "  delivered #{metrics[:events_delivered]}, dropped #{metrics[:events_dropped_total]}, " \
     "connections opened #{metrics[:connections_opened]}"
