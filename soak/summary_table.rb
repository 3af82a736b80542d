# frozen_string_literal: true

require_relative "verdict"

module Soak
  # The summary: one row per scenario and collector (and one per collector
  # for the children the forks scenario forked).
  #
  #   runs      processes run
  #   outcomes  how they ended: exit statuses and signals, with counts
  #   crash     runs with a crash (an unintended signal, [BUG], a panic,
  #             a core file)
  #   killed    runs the watchdog had to kill (hangs)
  #   hang      other hangs: an exit over shutdown_timeout + 3 s, a slow
  #             interrupt, a process left behind
  #   unexp     an exit status the script did not choose
  #   bug       runs with [BUG] / Segmentation fault / a panic on stderr
  #   cores     core files found
  #   queued    runs that began to exit with events still undelivered
  #   p50 p99 max  seconds from the start of the exit (the child's
  #             exit_start mark, or the harness's signal) to the reaping
  class SummaryTable
    COLUMNS = %w[scenario collector runs outcomes crash killed hang unexp bug cores queued p50 p99 max].freeze
    COUNTS = %i[crash killed hang unexp bug cores queued].freeze

    # One process's exit, as the table counts it.
    Exit = Struct.new(:outcome, *COUNTS, :duration, keyword_init: true) do
      def self.of(result)
        kinds = result.problems.map(&:first)
        new(outcome: result.outcome, crash: kinds.include?(:crash), killed: result.watchdog,
            hang: kinds.include?(:hang) && !result.watchdog, unexp: kinds.include?(:unexpected),
            bug: result.stderr.to_s.match?(Verdict::CRASH_PATTERN), cores: result.cores.size,
            queued: queued?(result), duration: result.exit_duration)
      end

      def self.queued?(result)
        exit_start = result.mark("exit_start")
        exit_start.is_a?(Hash) && exit_start["pending"].to_i.positive?
      end

      # A child of the forks scenario, from its parent's report.
      def self.of_child(child)
        duration = child["exit_duration"]
        new(outcome: child["signal"] || child["exit"].to_s, crash: child["signal"] && !child["aborted"],
            killed: child["aborted"], hang: duration && duration > 2 + Verdict::EXIT_SLACK,
            unexp: child["exit"] && !child["exit"].zero?, duration:)
      end
    end

    # One row's counts.
    class Row
      def initialize
        @outcomes = Hash.new(0)
        @counts = Hash.new(0)
        @durations = []
      end

      def add(ended)
        @outcomes[ended.outcome] += 1
        COUNTS.each { |name| @counts[name] += count(ended[name]) }
        @durations << ended.duration if ended.duration
      end

      def cells
        outcomes = @outcomes.sort_by { |name, _| [name.match?(/\A\d+\z/) ? 0 : 1, name] }
        [@outcomes.values.sum, outcomes.map { |name, n| "#{name}:#{n}" }.join(" "),
         *COUNTS.map { |name| @counts[name] }, *percentiles]
      end

      private

      def count(value)
        value.is_a?(Integer) ? value : (value && 1) || 0
      end

      def percentiles
        sorted = @durations.sort
        return %w[- - -] if sorted.empty?

        [0.5, 0.99].map { |p| sorted[((sorted.size * p).ceil - 1).clamp(0, sorted.size - 1)] }
                   .push(sorted.last).map { |seconds| format("%.2f", seconds) }
      end
    end

    def initialize(results)
      @rows = Hash.new { |hash, key| hash[key] = Row.new }
      results.each do |result|
        collector = result.job.collector.to_s
        @rows[[result.job.scenario.to_s, collector]].add(Exit.of(result))
        children = Scenarios::Forks.children(result)
        children.each { |child| @rows[["forks (children)", collector]].add(Exit.of_child(child)) }
      end
    end

    def to_s
      table = [COLUMNS, *@rows.sort.map { |key, row| [*key, *row.cells].map(&:to_s) }]
      widths = table.transpose.map { |column| column.map(&:size).max }
      table.map { |cells| cells.zip(widths).map { |cell, width| cell.ljust(width) }.join("  ").rstrip }.join("\n")
    end
  end
end
