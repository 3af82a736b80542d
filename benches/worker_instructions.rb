# frozen_string_literal: true

# The delivery worker's instructions per event, counted with valgrind's
# callgrind: a child process logs N and then 2N events to a JSON-lines sink
# on /dev/null, and the worker thread's counts of the two runs are
# subtracted, so that what the worker does once (its start, the sink's)
# drops out. What remains per event is the worker's own work: sampling,
# redaction, the size limit, serialisation. Two kinds of event:
# - small: benches/log_event.rb's (three metadata entries, one flow), about
#   480 bytes of JSON;
# - typical: benches/held_memory.rb's (six metadata entries, one a browser's
#   user agent; request contexts of four), about 820 bytes.
#
#   ruby -Ilib benches/worker_instructions.rb     (needs valgrind; N=5000)

require "rbconfig"
require "tmpdir"

N = Integer(ENV.fetch("N", 5_000))
LIB = File.expand_path("../lib", __dir__)

CHILD = <<~RUBY
  require "ezlogs_ruby_agent"
  require "securerandom"
  EzlogsRubyAgent.configure do |c|
    c.service_name = "bench"
    c.delivery.endpoint = "file:///dev/null"
    c.performance.event_buffer_size = 400_000
    c.performance.event_buffer_bytes = 1 << 30
  end
  user_agent = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Chrome/120.0 Safari/537.36"
  typical = ARGV[1] == "typical"
  EzlogsRubyAgent.start_flow("bench", 1) unless typical
  Integer(ARGV[0]).times do |seq|
    if !typical
      EzlogsRubyAgent.log_event(event_type: "order.placed", action: "created", actor: { type: "user", id: seq },
                                subject: { type: "order", id: 42 }, metadata: { total: 59.9, items: 3, currency: "EUR" })
      next
    end
    EzlogsRubyAgent::CorrelationManager.start_request_context(SecureRandom.uuid, nil) if (seq % 4).zero?
    EzlogsRubyAgent.log_event(
      event_type: "order.placed", action: "created",
      actor: { type: "user", id: 1_000 + (seq % 500) }, subject: { type: "order", id: seq },
      metadata: { total: (seq % 9_000) / 100.0, items: 1 + (seq % 7), currency: "EUR",
                  path: "/orders/\#{seq}", status: 201, user_agent: }
    )
  end
  EzlogsRubyAgent.flush(timeout: 60)
RUBY

# The worker thread's instruction count for a run that logs `events` of `kind`.
def worker_instructions(events, kind)
  Dir.mktmpdir do |dir|
    system("valgrind", "--tool=callgrind", "--separate-threads=yes", "--callgrind-out-file=#{dir}/out",
           RbConfig.ruby, "-I#{LIB}", "-e", CHILD, events.to_s, kind, out: File::NULL, err: File::NULL,
                                                                      exception: true)
    worker = Dir["#{dir}/out-*"].find { |file| File.read(file).include?("delivery::worker::run") }
    abort "no worker thread in the callgrind output" unless worker
    Integer(File.read(worker)[/^summary: (\d+)/, 1])
  end
end

%w[small typical].each do |kind|
  added = worker_instructions(2 * N, kind) - worker_instructions(N, kind)
  puts "worker_instructions (#{kind}): #{N} more events cost the worker #{added} instructions: " \
       "#{added / N} per event (Ruby #{RUBY_VERSION})"
end
