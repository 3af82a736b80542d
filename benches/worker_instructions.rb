# frozen_string_literal: true

# The delivery worker's instructions per event, counted with valgrind's
# callgrind: a child process logs N and then 2N events to a JSON-lines sink
# on /dev/null, and the worker thread's counts of the two runs are
# subtracted, so that what the worker does once (its start, the sink's)
# drops out. What remains per event is the worker's own work: sampling,
# redaction, the size limit, serialisation. Two kinds of event:
# BenchEvents' small and typical (benches/support/events.rb), about 480 and
# 820 bytes of JSON.
#
#   ruby -Ilib benches/worker_instructions.rb     (needs valgrind; N=5000)

require "rbconfig"
require "tmpdir"
require_relative "support/agent_lib"

N = Integer(ENV.fetch("N", 5_000))
LIB = AgentLib.dir

CHILD = <<~RUBY.freeze
  require "ezlogs_ruby_agent"
  require #{File.expand_path("support/events", __dir__).inspect}
  BenchEvents.configure("file:///dev/null")
  kind = ARGV[1].to_sym
  EzlogsRubyAgent.start_flow("bench", 1) if kind == :small
  Integer(ARGV[0]).times { |seq| BenchEvents.public_send(kind, EzlogsRubyAgent, seq) }
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
