# frozen_string_literal: true

# What holding events costs in memory while the collector is down: the
# growth of the process's resident set (VmRSS) while EVENTS typical events
# are logged at RATE per second to a collector that refuses connections, in
# request contexts of four (a request and what it changed share their
# correlation ids, as in an app). Before the count starts, the same loop
# calls a no-op (Ruby's heap grows by the same garbage) and the agent holds
# WARM events (its code for holding is paged in, its threads have started):
# what is measured is what holding EVENTS more costs. Nothing is delivered,
# so every event is held; none may be dropped (the bounds are set above
# what the bench logs).
#
# With COLLECTOR=silent, the collector accepts connections and never
# answers: the worker waits on its first send (delivery.timeout is set
# past the run) and the events stay queued, uncompressed, behind it. That
# run checks that queue_bytes, and so event_buffer_bytes, count what the
# queued events take.
#
#   ruby -Ilib benches/held_memory.rb   (EVENTS=100000 RATE=20000 COLLECTOR=down|silent)

require "ezlogs_ruby_agent"
require_relative "support/events"
require "socket"

EVENTS = Integer(ENV.fetch("EVENTS", 100_000))
RATE = Integer(ENV.fetch("RATE", 20_000))
WARM = 1_000

SILENT = ENV.fetch("COLLECTOR", "down") == "silent"

port = if SILENT
         server = TCPServer.new("127.0.0.1", 0)
         accepted = []
         Thread.new { loop { accepted << server.accept } }
         server.addr[1]
       else
         # A port nothing listens on: every connection is refused at once.
         TCPServer.open("127.0.0.1", 0) { |closed| closed.addr[1] }
       end

BenchEvents.configure("http://127.0.0.1:#{port}/events", buffer: EVENTS * 2) do |c|
  c.delivery.timeout = 600
  c.delivery.flush_interval = 0.5
  c.delivery.shutdown_timeout = 0.5
end

# A no-op with log_event's signature that returns a new string of an event
# id's length, as log_event does: Ruby's heap grows by the same garbage.
module Baseline
  def self.log_event(**) = +"evt_0123456789abcdefghi"
end

def log_paced(target, count)
  started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  (0...count).each_slice(RATE / 100) do |slice|
    slice.each { |seq| BenchEvents.typical(target, seq) }
    due = started + ((slice.last + 1).to_f / RATE)
    delay = due - Process.clock_gettime(Process::CLOCK_MONOTONIC)
    sleep(delay) if delay.positive?
  end
end

# The resident set, and the part of it that is anonymous memory (not the
# pages of loaded code), in bytes.
def settled_rss
  GC.start
  sleep 1.5 # the worker takes what is queued (flush_interval 0.5 s)
  GC.start
  status = File.read("/proc/self/status")
  %w[VmRSS RssAnon].map { |field| status[/^#{field}:\s+(\d+)/, 1].to_i * 1024 }
end

log_paced(Baseline, EVENTS)
log_paced(EzlogsRubyAgent, WARM)
before = settled_rss
log_paced(EzlogsRubyAgent, EVENTS)
after = settled_rss
metrics = EzlogsRubyAgent.metrics
rss, anon = after.zip(before).map { |a, b| a - b }

collector = SILENT ? "accepts connections and never answers (events queued)" : "refuses connections (events held)"
puts "held_memory: #{EVENTS} events at #{RATE}/s to a collector that #{collector}, Ruby #{RUBY_VERSION}"
mb = ->(bytes) { (bytes / 1e6).round(2) }
puts "RSS grew by #{mb[rss]} MB (#{(rss / (1 << 20).to_f).round(1)} MiB): #{rss / EVENTS} bytes per event; " \
     "anonymous memory by #{mb[anon]} MB"
depth, bytes = metrics.values_at(:queue_depth, :queue_bytes)
puts "queue_depth #{depth}, queue_bytes #{bytes} (#{bytes / [depth, 1].max} per event)"
puts "JSON bytes per event: #{metrics[:bytes_serialized] / [metrics[:events_captured], 1].max} " \
     "(of the batches the worker has serialised)"
puts "dropped: #{metrics[:events_dropped].select { |_, n| n.positive? }}"
