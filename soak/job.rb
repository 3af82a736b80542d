# frozen_string_literal: true

require "json"

module Soak
  # One child process to run and what it should do.
  #
  # expect: the outcomes the script intends, e.g. [[:exit, 0]], [[:exit, 1]],
  #   [[:signal, "TERM"]] (any one of them is fine).
  # signal: {mark:, delay:, name:}: the harness sends SIG`name` to the child
  #   `delay` seconds after the child printed the mark `mark`; the exit is
  #   then timed from the signal.
  # watchdog: seconds after the start at which a child that has not exited
  #   is a hang: it gets SIGABRT (for a core and its backtrace), then SIGKILL.
  # check: a callable given the Result, returning problems ([kind, message]).
  Job = Struct.new(:id, :scenario, :collector, :mode, :params, :body, :endpoint, :expect, :signal,
                   :watchdog, :shutdown_timeout, :check, keyword_init: true) do
    def env
      { "SOAK_PARAMS" => JSON.generate(params), "EZLOGS_ENDPOINT" => endpoint }.compact
    end

    def label
      "#{scenario}/#{collector}/#{mode} ##{id}"
    end
  end

  # What became of a Job's child.
  Result = Struct.new(:job, :status, :started_at, :reaped_at, :signal_sent_at, :marks, :stdout, :stderr,
                      :watchdog, :cores, :strays, :dir, :problems, keyword_init: true) do
    def mark(name)
      Array(marks[name]).last
    end

    # Seconds from the start of the exit (the child's exit_start mark, or the
    # signal the harness sent) to the harness reaping the child.
    def exit_duration
      start = signal_sent_at || mark("exit_start")&.fetch("at", nil)
      start && reaped_at && !watchdog ? [reaped_at - start, 0.0].max : nil
    end

    def shutdown_timeout
      mark("exit_start")&.fetch("shutdown_timeout", nil) || job.shutdown_timeout
    end

    # "0", "1", "TERM": how the process ended.
    def outcome
      return "none" unless status
      return Signal.signame(status.termsig) if status.signaled?

      status.exitstatus.to_s
    end

    def failed?
      problems.any?
    end

    # Reads the child's `SOAK <name> <json>` lines.
    def read_marks(text)
      text.each_line do |line|
        next unless line.start_with?("SOAK ")

        name, json = line.delete_prefix("SOAK ").split(" ", 2)
        (marks[name] ||= []) << begin
          JSON.parse(json)
        rescue JSON::ParserError
          json
        end
      end
    end

    # A line of results.jsonl.
    def to_record
      job.to_h.slice(:id, :scenario, :collector, :mode).merge(
        outcome:, exit_duration: exit_duration&.round(4), watchdog: watchdog || nil, problems:,
        cores: cores.map { |core| core[:path] }, dir: (dir if failed?), marks: marks.except("children")
      ).compact
    end
  end
end
