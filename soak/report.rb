# frozen_string_literal: true

require "json"
require_relative "summary_table"

module Soak
  # The report's section on failed children: their problems, parameters,
  # directory, the head of their stderr and their cores' backtraces.
  module FailureDetails
    SHOWN_FAILURES = 12
    STDERR_LINES = 40
    BACKTRACE_LINES = 120

    private

    def failure_sections
      failures = results.select(&:failed?)
      return [] if failures.empty?

      ["", "failures (#{failures.size}; the first #{[failures.size, SHOWN_FAILURES].min} in full):",
       *failures.first(SHOWN_FAILURES).flat_map { |result| failure(result) }]
    end

    def failure(result)
      job = result.job
      ["", "--- #{job.label}: ended #{result.outcome} (expected #{job.expect.map(&:last).join(" or ")})",
       *result.problems.map { |kind, message| "    #{kind}: #{message}" },
       "    params: #{JSON.generate(job.params.except(:plans, :endpoints))}", "    dir: #{result.dir}",
       "    stderr (first #{STDERR_LINES} lines):", *indent(result.stderr, STDERR_LINES),
       *result.cores.flat_map do |core|
         ["    core #{core[:path]}, gdb backtrace (first #{BACKTRACE_LINES} lines):",
          *indent(core[:backtrace], BACKTRACE_LINES)]
       end]
    end

    def indent(text, limit)
      lines = text.to_s.lines.map { |line| "      #{line.chomp}" }
      return ["      (empty)"] if lines.empty?

      lines.size > limit ? [*lines.first(limit), "      ... (#{lines.size - limit} more lines)"] : lines
    end
  end

  # Collects Results as they come: prints a line for each failure at once
  # and progress lines on demand, then the summary (SummaryTable), the
  # scenarios' details, the collectors' counters and the first failures
  # with their stderr and core backtraces. Writes the same to
  # <out>/report.txt and one JSON line per child to <out>/results.jsonl.
  class Report
    include FailureDetails

    attr_reader :results

    def initialize(out, scenarios, collectors)
      @out = out
      @scenarios = scenarios
      @collectors = collectors
      @results = []
      @harness_errors = []
      @lock = Mutex.new
      @started = now
      @log = File.open(File.join(out, "results.jsonl"), "w")
      @log.sync = true
    end

    def add(result)
      @lock.synchronize do
        @results << result
        @log.puts(JSON.generate(record(result)))
      end
      say("FAIL #{result.job.label}: #{result.problems.map(&:last).join("; ")} (#{result.dir})") if result.failed?
      result
    end

    def say(line)
      $stdout.puts("[soak #{clock}] #{line}")
      $stdout.flush
    end

    def progress(running)
      results = @lock.synchronize { @results.dup }
      by_scenario = results.group_by { |r| r.job.scenario }.map { |name, rs| "#{name} #{rs.size}" }
      children = results.sum { |r| Scenarios::Forks.children(r).size }
      say("#{results.size} processes done (#{by_scenario.join(", ")}; +#{children} forked children), " \
          "#{results.count(&:failed?)} failed, #{running} running")
    end

    # The harness could not run a child (it failed, not the agent): the run fails.
    def harness_error(job, error)
      @lock.synchronize { @harness_errors << "#{job.label}: #{error.class}: #{error.message}" }
      say("HARNESS ERROR #{@harness_errors.last}")
    end

    def failed?
      @results.any?(&:failed?) || @harness_errors.any?
    end

    # Prints and writes the final report; returns it.
    def finish
      @log.close
      text = [SummaryTable.new(@results).to_s, *details, *collector_lines, *failure_sections, verdict].join("\n")
      File.write(File.join(@out, "report.txt"), text)
      $stdout.puts("\n#{text}\nreport: #{File.join(@out, "report.txt")}")
      text
    end

    private

    def details
      lines = @scenarios.flat_map do |scenario|
        scenario.details(@results.select { |r| r.job.scenario == scenario.name })
      end
      lines.empty? ? [] : ["", *lines]
    end

    def collector_lines
      ["", "collectors (what they saw):",
       *@collectors.map do |kind, collector|
         counts = collector.counts.sort.map { |name, value| "#{name} #{value}" }
         "  #{kind.to_s.ljust(7)} :#{collector.port}  #{counts.empty? ? "-" : counts.join(", ")}"
       end]
    end

    def verdict
      exits = @results.size + @results.sum { |r| Scenarios::Forks.children(r).size }
      "\n#{failed? ? "FAILED" : "PASSED"}: #{exits} process exits in #{clock}; processes with #{failure_counts} " \
        "(CPU: harness #{cpu_seconds(:utime, :stime)} s, children #{cpu_seconds(:cutime, :cstime)} s)" \
        "#{"; harness errors: #{@harness_errors.join("; ")}" if @harness_errors.any?}"
    end

    def failure_counts
      { crash: "a crash", hang: "a hang", unexpected: "an unexpected status" }.map do |kind, words|
        "#{words}: #{@results.count { |r| r.problems.any? { |k, _| k == kind } }}"
      end.join(", ")
    end

    def cpu_seconds(*fields)
      times = Process.times
      fields.sum { |field| times.public_send(field) }.round
    end

    def record(result)
      result.to_record.merge(children: Scenarios::Forks.children(result).size)
    end

    def clock
      seconds = (now - @started).round
      format("%<m>d:%<s>02d", m: seconds / 60, s: seconds % 60)
    end

    def now
      Process.clock_gettime(Process::CLOCK_MONOTONIC)
    end
  end
end
