# frozen_string_literal: true

module Soak
  # Judges a Result. Problems are [kind, message], kind one of
  #   :crash       a signal the script did not intend, `[BUG]`, a segfault or
  #                a Rust panic on stderr, a core file
  #   :hang        the watchdog had to kill it, its exit took longer than
  #                delivery.shutdown_timeout + 3 s, a process was left in its
  #                group, or a scenario's own bound was passed (an interrupt
  #                that did not stop a flush promptly)
  #   :unexpected  an exit status the script did not choose, or the agent
  #                reporting an internal error of its own on stderr
  module Verdict
    EXIT_SLACK = 3.0
    CRASH_PATTERN = /\[BUG\]|Segmentation fault|panicked at|fatal runtime error|stack overflow|
                     double free|corrupted|free\(\): invalid|SIGSEGV|SIGBUS|SIGILL/x
    # The agent's own report of a bug in itself (ProblemReporter.internal).
    INTERNAL_ERROR = /\[ezlogs_ruby_agent\] internal error/

    module_function

    def problems(result)
      if result.watchdog
        return [[:hang, "did not exit within its watchdog (#{result.job.watchdog} s): aborted for a core"],
                *core_problems(result)]
      end

      [*status_problem(result), *stderr_problems(result), *core_problems(result), *exit_problem(result),
       *stray_problem(result), *Array(result.job.check&.call(result))]
    end

    def status_problem(result)
      outcome = result.outcome
      return if result.job.expect.any? { |kind, value| expected?(result.status, kind, value) }

      kind = result.status.signaled? ? :crash : :unexpected
      [[kind, "ended with #{outcome}, expected #{result.job.expect.map(&:last).join(" or ")}"]]
    end

    def expected?(status, kind, value)
      case kind
      when :exit then status.exited? && status.exitstatus == value
      when :signal then status.signaled? && Signal.signame(status.termsig) == value
      end
    end

    def stderr_problems(result)
      crash = result.stderr.each_line.grep(CRASH_PATTERN).first
      internal = result.stderr.each_line.grep(INTERNAL_ERROR).first
      [([:crash, "stderr: #{crash.strip[0, 200]}"] if crash),
       ([:unexpected, "stderr: #{internal.strip[0, 200]}"] if internal)].compact
    end

    def core_problems(result)
      # The harness aborts hung processes for their cores: those are hangs.
      kind = result.watchdog || result.strays.any? ? :hang : :crash
      result.cores.map { |core| [kind, "core file #{core[:path]}"] }
    end

    def exit_problem(result)
      duration = result.exit_duration
      limit = result.shutdown_timeout.to_f + EXIT_SLACK
      return unless duration && duration > limit

      [[:hang, format("exit took %<d>.2f s (limit: shutdown_timeout %<t>.1f s + %<s>.0f s)",
                      d: duration, t: result.shutdown_timeout, s: EXIT_SLACK)]]
    end

    def stray_problem(result)
      [[:hang, "left running in its process group: #{result.strays.join("; ")}"]] if result.strays.any?
    end
  end
end
