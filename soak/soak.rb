# frozen_string_literal: true

# The soak harness behind bin/soak: the agent promises never to crash the
# Ruby VM, never to hang, and never to hold a process's exit hostage. It
# runs many real processes (`ruby -I<repo>/lib -e SCRIPT`, outside any
# bundle, each in its own directory with no limit on core files) against
# collectors on loopback that misbehave (soak/collectors.rb: ok, refuse,
# hang, slow, flap), and reports how each ended.
#
# Scenarios (each file's top comment has the details):
#   short        (scenarios/short_lived.rb) hundreds of short processes that
#                log 0-2,000 events and exit with events still queued, after
#                an explicit flush, with exit!, with an uncaught exception,
#                while threads still log, or killed by SIGTERM/SIGINT
#                mid-run. Checks: the status the script chose, an exit
#                within shutdown_timeout + 3 s.
#   idle         (scenarios/idle.rb) processes idle for minutes (10 in the
#                long run, 3 per collector) against refuse, hang, slow and
#                flap, through circuit-breaker open / half-open cycles.
#                Checks: exit 0 in time, the VM never stalls (a 1 s sleep
#                never wakes 3 s late), the counters add up; reports events
#                captured / delivered / dropped / pending, circuit states,
#                RSS and threads.
#   forks        (scenarios/forks.rb) a parent logging from 2-4 threads forks
#                children (Kernel#fork and Process.fork in threads,
#                sometimes a grandchild) that log and exit normally or with
#                exit!. Checks: all exit 0, in time, none left behind.
#   interrupts   (scenarios/interrupts.rb) Thread#raise and signals (INT,
#                TERM with a trap, USR1 with a trap) during flush(timeout:
#                10) against a hanging collector, and TERM/INT during the
#                at_exit flush. Checks: the interrupt takes effect within
#                3 s, the process ends as the script intends, in time.
#   reconfigure  (scenarios/reconfigure.rb) configure called every few ms,
#                switching endpoints (every collector and a file://) and
#                batch sizes while threads log. Checks: exit 0, in time.
#
# Every child, whatever the scenario, fails the run when it: dies of a
# signal the script did not send or intend; prints [BUG], "Segmentation
# fault" or a Rust panic on stderr; leaves a core file (its backtrace,
# from gdb, goes into the report); has not exited by its watchdog (it is
# then sent SIGABRT, for a core and a backtrace of where it hung, then
# SIGKILL); takes longer than delivery.shutdown_timeout + 3 s from
# starting to exit (or from the signal) to being reaped; leaves a process
# running in its process group; or exits with a status the script did not
# choose. The run's exit status is 1 when any child failed.
#
# Churn scenarios (short, forks, interrupts, reconfigure) run on a pool of
# workers until the churn minutes are up, beside the idle processes.
# Outputs: the summary on stdout and in <out>/report.txt, one JSON line
# per child in <out>/results.jsonl, failed children's directories (stdout,
# stderr, cores and backtraces) under <out>/runs.

require "fileutils"
require_relative "../lib/ezlogs_ruby_agent/native_library"
require_relative "collectors"
require_relative "options"
require_relative "report"
require_relative "runner"
require_relative "scheduler"
require_relative "scenarios/short_lived"
require_relative "scenarios/idle"
require_relative "scenarios/forks"
require_relative "scenarios/interrupts"
require_relative "scenarios/reconfigure"

# The soak harness (see above).
module Soak
  CHURN = {
    short: Scenarios::ShortLived, forks: Scenarios::Forks, interrupts: Scenarios::Interrupts,
    reconfigure: Scenarios::Reconfigure
  }.freeze

  def self.main(argv)
    options = Options.parse(argv)
    return 2 unless ready?

    FileUtils.mkdir_p(File.join(options.out, "runs"))
    collectors = Collectors.start_all
    run(options, collectors)
  rescue OptionParser::ParseError => e
    warn "bin/soak: #{e.message}"
    2
  ensure
    collectors&.each_value(&:stop)
  end

  def self.run(options, collectors)
    churn = CHURN.filter_map { |name, scenario| scenario.new(collectors) if options.scenarios.include?(name) }
    idle = idle_scenario(options, collectors)
    report = Report.new(options.out, [*churn, idle].compact, collectors)
    report.say(plan(options, collectors))
    scheduler(options, report).run(churn, idle)
    report.finish
    report.failed? ? 1 : 0
  end

  def self.idle_scenario(options, collectors)
    return unless options.scenarios.include?(:idle)

    Scenarios::Idle.new(collectors, minutes: options.idle_minutes, per_kind: options.idle_per_kind)
  end

  def self.scheduler(options, report)
    Scheduler.new(runner: Runner.new(File.join(options.out, "runs"), keep_all: options.keep), report:,
                  workers: options.jobs, churn_seconds: options.minutes * 60, rng: Random.new(options.seed),
                  every: options.every)
  end

  def self.plan(options, collectors)
    "#{options.preset} run, seed #{options.seed}: #{options.scenarios.join(", ")}; churn #{options.minutes} min " \
      "on #{options.jobs} workers, idle #{options.idle_per_kind} x #{options.idle_minutes} min per failing " \
      "collector; collectors #{collectors.map { |kind, c| "#{kind} :#{c.port}" }.join(", ")}; out #{options.out}"
  end

  def self.ready?
    library = EzlogsRubyAgent::NativeLibrary.path(Runner::LIB)
    return true if File.exist?(library)

    warn "bin/soak: #{library} is missing; build it first (bundle exec rake compile)"
    false
  end
end
