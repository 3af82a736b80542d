# frozen_string_literal: true

# What the trackers cost the work they track, in the shop app (spec/dummy,
# production mode, SQLite without fsync, ActiveJob inline, mail to Rails'
# :test delivery), with the trackers on and off in one process:
# - GET /whoami: the full middleware stack and a controller that renders
#   plain text (not a health-check path: the agent skips those);
# - GET /nowhere: a path no route takes, which Rails answers 404 (its
#   ActionController::RoutingError, rendered by ShowExceptions), as it
#   answers the scanners every public app meets;
# - GET /boom: an action that raises, answered 500;
# - User#update!: one data.change;
# - WelcomeJob.perform_later: job.enqueue and job.execution (inline);
# - CustomerMailer#welcome.deliver_now: mail.delivery;
# - HttpTracker alone around a bare Rack app, its switch off and on;
# and, in the time mode, HttpTracker around a bare Rack app against the
# bare app itself.
#
#   bundle exec ruby -Ilib benches/trackers.rb                  time: alternating rounds, medians
#   bundle exec ruby -Ilib benches/trackers.rb --instructions   instructions per operation (valgrind)
#   ONLY=update bundle exec ruby -Ilib benches/trackers.rb [--instructions]   the rows whose name matches
#   ROUNDS=31 CALLS=200 bundle exec ruby -Ilib benches/trackers.rb           longer time runs (21 of 100 by default)
#
# Time moves by up to ±50 % between runs on the shared build machines;
# instruction counts move much less. The instruction mode runs the app under
# valgrind's callgrind, for each operation alone, once doing it SHORT times
# and once LONG times (LONG=260 by default): the difference divided by
# LONG - SHORT is one operation's cost, the first calls (which load code and
# fill caches) excluded. The operations run in a thread of their own, as a
# server's requests do, and only that thread is counted: the boot is not
# the same from one process to the next (Ruby picks a random hash seed, and
# addresses move), and when the main thread was counted what its boot
# differed by was divided by LONG - SHORT too (three runs of one build gave
# a GET's added cost as +67,038, +110,811 and +139,780). Each operation
# runs in a process of its own because run together they do not add up (50
# more updates made a later job and mail cheaper by more than the updates
# cost). It does so with the trackers on and off. The worker is kept idle,
# and the process leaves with Ruby's own exit!; the GC is off during the
# operations (a collection in one run and not the other would add millions
# of instructions to one side). KEEP_CALLGRIND=dir keeps the counted
# thread's callgrind output there (named by side, operation and count), to
# see with callgrind_annotate where two runs differ.
#
#   bundle exec ruby -Ilib benches/trackers.rb --cache   estimated cycles per operation (valgrind)
#
# Time grows by about twice what the instructions do (a GET: 1.08x against
# 1.042x), because what the agent runs is not in the caches when a request
# comes: between two requests the app's own work evicts it. --cache is the
# instruction mode with valgrind's cache and branch simulation, the first
# level as this machine's and the last as its per-core L2 (read from
# /sys), and gives each operation's cost as the cycles its misses and
# mispredictions cost at about Zen 4's latencies (CYCLES): an estimate that
# follows the time without its noise.

require "json"
require "open3"
require "tmpdir"
require_relative "support/agent_lib"

SWITCHES = %i[http active_record active_job mail].freeze
SHORT = 10
LONG = Integer(ENV.fetch("LONG", 260))
# The rows to run, by name (all by default).
ONLY = Regexp.new(ENV.fetch("ONLY", ""))
BARE_RACK = "HttpTracker around a bare Rack app"

# Boots the shop app in this process, with a database of its own.
def boot(workdir)
  ENV["RAILS_ENV"] = "production"
  ENV["DUMMY_DATABASE"] = File.join(workdir, "bench.sqlite3")
  ENV["DUMMY_JOB_ADAPTER"] = "inline"
  ENV["EZLOGS_ENDPOINT"] = "file:///dev/null"
  ENV["DUMMY_SHOW_EXCEPTIONS"] = "true" # error pages, as in production
  require_relative "../spec/dummy/config/environment"

  ActiveRecord::Migration.verbose = false
  load File.expand_path("../spec/dummy/db/schema.rb", __dir__)
  # No fsync per write: the disk's noise would drown what is measured here.
  ActiveRecord::Base.connection.execute("PRAGMA synchronous = OFF")
end

def tracking(enabled)
  SWITCHES.each { |switch| EzlogsRubyAgent.config.instrumentation.public_send(:"#{switch}=", enabled) }
  enabled
end

def get(path, expected = 200)
  env = Rack::MockRequest.env_for(path, "HTTP_HOST" => "example.org")
  status, _headers, body = Rails.application.call(env)
  write(body)
  raise "GET #{path} answered #{status}" unless status == expected
end

# What a server does with a response body: writes each part, then closes it
# (HttpTracker records the request's event then, with the bytes written).
def write(body)
  body.each { |_part| } # rubocop:disable Lint/EmptyBlock -- written nowhere, as a server that discards it
ensure
  body.close if body.respond_to?(:close)
end

# name => the operation, done once (given its index and the records it works on).
OPERATIONS = {
  "GET /whoami (render plain)" => ->(_i, _records) { get("/whoami") },
  "GET /nowhere (no route, 404)" => ->(_i, _records) { get("/nowhere", 404) },
  "GET /boom (raises, 500)" => ->(_i, _records) { get("/boom", 500) },
  "User#update!" => ->(i, records) { records[:user].update!(name: "Ada #{i}") },
  "WelcomeJob.perform_later (inline)" => ->(_i, records) { WelcomeJob.perform_later(records[:user]) },
  "CustomerMailer#welcome.deliver_now" => lambda { |_i, records|
    CustomerMailer.with(customer: records[:customer]).welcome.deliver_now
  },
  "HttpTracker, bare app (switch off/on)" => lambda { |_i, records|
    write(records[:bare_tracker].call(records[:bare_env].dup)[2])
  }
}.freeze

BARE_APP = ->(_env) { [200, { "Content-Type" => "text/plain" }, ["ok"]] }

# A request to BARE_APP from behind a proxy (not a health-check path).
def bare_env
  Rack::MockRequest.env_for("/users/123", "REMOTE_ADDR" => "10.0.0.1",
                                          "HTTP_X_FORWARDED_FOR" => "203.0.113.9, 10.0.0.2")
end

# The operations, each a lambda of the index alone, on records made now.
def operations
  records = { user: User.create!(name: "Ada", email: "ada@example.com"),
              customer: Customer.create!(name: "Ada", email: "ada@example.com"),
              bare_tracker: EzlogsRubyAgent::HttpTracker.new(BARE_APP), bare_env: }
  OPERATIONS.transform_values { |operation| ->(i) { operation.call(i, records) } }
end

def median(values) = values.sort[values.size / 2]

def report(label, off, on, unit)
  puts format("  %-36<label>s off %<off>10.1f, on %<on>10.1f #{unit}: %<extra>+9.1f (%<ratio>.3fx)",
              label:, off:, on:, extra: on - off, ratio: on / off)
end

# --- time ------------------------------------------------------------------

def time_per_call(count, operation)
  GC.start
  started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  count.times { |i| operation.call(i) }
  (Process.clock_gettime(Process::CLOCK_MONOTONIC) - started) * 1e6 / count
end

# The median µs per call of one side and the other (false, true) of a
# comparison, in alternating rounds; which side goes first alternates too,
# so that neither always inherits the other's garbage. `side.(on)` readies
# a side and returns its operation.
def alternate(rounds, count, side)
  [false, true].each { |on| time_per_call(count, side.call(on)) } # warm up
  results = { false => [], true => [] }
  rounds.times do |round|
    [round.even?, round.odd?].each { |on| results[on] << time_per_call(count, side.call(on)) }
  end
  results.values_at(false, true).map { |times| median(times) }
end

def time_mode(rounds, count)
  puts "Trackers, time: #{rounds} rounds x #{count} operations, medians, Ruby #{RUBY_VERSION}, " \
       "Rails #{Rails.version}"
  operations.select { |label, _| label.match?(ONLY) }.each do |label, operation|
    report(label, *alternate(rounds, count, ->(on) { tracking(on).then { operation } }), "us")
  end
  bare_rack(rounds, count * 20) if BARE_RACK.match?(ONLY)
end

# "off" is a bare Rack app, "on" the same inside HttpTracker.
def bare_rack(rounds, count)
  tracking(true)
  apps = { false => BARE_APP, true => EzlogsRubyAgent::HttpTracker.new(BARE_APP) }
  template = bare_env
  request = lambda do |on|
    ->(_i) { write(apps[on].call(template.dup)[2]) }
  end
  report(BARE_RACK, *alternate(rounds, count, request), "us")
end

# --- instructions -----------------------------------------------------------

# In the child valgrind runs: every operation `counts[name]` times, with
# the trackers on or off, in a new thread, then out without the exit flush.
def instructions_child(trackers, counts, workdir)
  tracking(trackers == "on")
  ops = operations
  GC.start
  GC.disable
  Thread.new do
    ops.each { |name, operation| Integer(counts.fetch(name)).times { |i| operation.call(i) } }
  end.join
  FileUtils.remove_entry(workdir)
  Process.method(:exit!).super_method.call(0)
end

# What the operations' thread executed in a child run under valgrind's
# callgrind, which counts each thread apart: the others (the main thread's
# boot, the agent's worker, Ruby's timer thread) are left out. The
# operations' thread is the busiest after the main one. { event => count }
# (totals_of).
def thread_events(trackers, counts)
  env = { "EZLOGS_BENCH_TRACKERS" => trackers, "EZLOGS_BENCH_COUNTS" => JSON.generate(counts),
          "EZLOGS_FLUSH_INTERVAL" => "600", "EZLOGS_BATCH_SIZE" => "1000000", "EZLOGS_EVENT_BUFFER_SIZE" => "100000" }
  Dir.mktmpdir("ezlogs-callgrind") do |dir|
    command = ["valgrind", "--tool=callgrind", "--separate-threads=yes", "--callgrind-out-file=#{dir}/out",
               *cache_options, RbConfig.ruby, "-I#{AgentLib.dir}", __FILE__]
    _out, err, status = Open3.capture3(env, *command)
    abort "valgrind failed (is it installed? apt-get install valgrind):\n#{err}" unless status.success?
    totals = (Dir["#{dir}/out-*"] - ["#{dir}/out-01"]).to_h { |file| [file, totals_of(File.read(file))] }
    busiest, counted = totals.max_by { |_, events| events.fetch("Ir") }
    keep_callgrind(busiest, trackers, counts)
    counted
  end
end

# { event => count } of a callgrind output: "Ir" (instructions), and with
# --cache the misses and mispredictions too.
def totals_of(output)
  names = output[/^events:(.*)$/, 1].split
  names.zip(output[/^totals:(.*)$/, 1].split.map { |count| Integer(count) }).to_h
end

# Cycles per simulated event, at about Zen 4's latencies (this machine is
# an EPYC of family 25; Chips and Cheese measured Zen 4's L2 at about 14
# cycles and its L3 at about 50, and AMD's optimization guides give 13 for
# a common mispredicted branch): a first-level miss served by the L2 14,
# an L2 miss served by the L3 50, a mispredicted branch 13. An instruction
# counts 1. A model: the core overlaps some misses with other work.
CYCLES = { "Ir" => 1, "I1mr" => 14, "D1mr" => 14, "D1mw" => 14, "ILmr" => 50, "DLmr" => 50, "DLmw" => 50,
           "Bcm" => 13, "Bim" => 13 }.freeze
CACHE = ARGV.include?("--cache")

# valgrind's options for the --cache mode: the last level it simulates is
# this machine's L2 (the L3 is shared with other machines' work).
def cache_options
  return [] unless CACHE

  l2 = Dir["/sys/devices/system/cpu/cpu0/cache/index*"].find { |dir| File.read("#{dir}/level").strip == "2" }
  abort "--cache needs the L2's size, from /sys/devices/system/cpu/cpu0/cache" unless l2
  size, ways, line = %w[size ways_of_associativity coherency_line_size].map { |name| File.read("#{l2}/#{name}").strip }
  bytes = Integer(size.delete_suffix("K")) * 1024
  ["--cache-sim=yes", "--branch-sim=yes", "--LL=#{bytes},#{ways},#{line}"]
end

def keep_callgrind(output, trackers, counts)
  return unless (kept = ENV.fetch("KEEP_CALLGRIND", nil))

  FileUtils.mkdir_p(kept)
  name, count = counts.max_by { |_, n| n }
  operation = name.split.first.delete("^A-Za-z#!")
  FileUtils.cp(output, File.join(kept, "#{trackers}-#{operation}-#{count}-#{Time.now.strftime("%H%M%S")}"))
end

# { name => { event => count per operation } } with the trackers on or
# off, for the operations whose name matches ONLY (all by default).
def events_per_operation(trackers)
  none = OPERATIONS.keys.to_h { |name| [name, 0] }
  OPERATIONS.keys.grep(ONLY).to_h do |name|
    long = thread_events(trackers, none.merge(name => LONG))
    short = thread_events(trackers, none.merge(name => SHORT))
    [name, long.to_h { |event, count| [event, (count - short.fetch(event)).to_f / (LONG - SHORT)] }]
  end
end

def cycles(events) = CYCLES.sum { |event, cycles| events.fetch(event) * cycles }

def instructions_mode
  puts "Trackers, #{CACHE ? "estimated cycles" : "instructions"} per operation (valgrind), Ruby #{RUBY_VERSION}, " \
       "#{LONG - SHORT} operations counted"
  off = events_per_operation("off")
  on = events_per_operation("on")
  on.each_key do |name|
    next report(name, off[name].fetch("Ir"), on[name].fetch("Ir"), "instructions") unless CACHE

    report(name, cycles(off[name]), cycles(on[name]), "cycles")
    report_misses(off[name], on[name])
  end
end

# What the trackers added of each kind of simulated event.
def report_misses(off, on)
  added = ->(*events) { events.sum { |event| on.fetch(event) - off.fetch(event) } }
  puts format("  %38<blank>s instructions %<ir>+.0f, L1 misses %<l1>+.0f, L2 misses %<l2>+.0f, " \
              "mispredictions %<branches>+.0f",
              blank: "", ir: added.call("Ir"), l1: added.call("I1mr", "D1mr", "D1mw"),
              l2: added.call("ILmr", "DLmr", "DLmw"), branches: added.call("Bcm", "Bim"))
end

if ARGV.include?("--instructions") || CACHE
  instructions_mode
elsif (trackers = ENV.fetch("EZLOGS_BENCH_TRACKERS", nil))
  workdir = Dir.mktmpdir("ezlogs-bench")
  boot(workdir)
  instructions_child(trackers, JSON.parse(ENV.fetch("EZLOGS_BENCH_COUNTS")), workdir)
else
  workdir = Dir.mktmpdir("ezlogs-bench")
  boot(workdir)
  time_mode(Integer(ENV.fetch("ROUNDS", 21)), Integer(ENV.fetch("CALLS", 100)))
  EzlogsRubyAgent.flush(timeout: 10)
  metrics = EzlogsRubyAgent.metrics
  puts "  #{metrics[:events_delivered]} events delivered of #{metrics[:events_captured]}, " \
       "dropped #{metrics[:events_dropped_total]}"
  FileUtils.remove_entry(workdir)
end
