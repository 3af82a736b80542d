# frozen_string_literal: true

require_relative "scenario"

module Soak
  module Scenarios
    # Interrupts during a flush, against a hanging collector (or, one run in
    # four, a slow one), after logging 100-2,000 events, with
    # shutdown_timeout 2 s. 0.05-1 s into EzlogsRubyAgent.flush(timeout: 10):
    #   raise_in_thread  the flush runs in a thread; the main thread
    #                    Thread#raises into it; exit 0
    #   raise_in_main    a thread Thread#raises into the main thread's
    #                    flush; it rescues; exit 0
    #   int              the process sends itself SIGINT (no trap): it dies
    #                    of SIGINT, after its at_exit flush
    #   term_trap_exit   SIGTERM, trapped with `exit 5`: exit 5
    #   usr1_trap_raise  SIGUSR1, trapped with a raise; rescued; exit 0
    #   usr1_trap_note   SIGUSR1, trapped with a note; the flush (timeout 1-3
    #                    s) goes on to its end, as `sleep` would; exit 0
    #   term_at_exit,    the harness sends SIGTERM / SIGINT 0.1-1 s after the
    #   int_at_exit      process began to exit, during its at_exit flush:
    #                    it dies of the signal (or exits 0 if it was done)
    # Checked: the raise or trap takes effect within 3 s (a flush that
    # holds an interrupt back until its own timeout is a hang); the usr1 flush
    # returns within its timeout + 3 s; the process ends as the script
    # intends, within shutdown_timeout + 3 s of starting to exit (or of the
    # signal).
    class Interrupts < Scenario
      NAME = :interrupts
      MAX_LATENCY = 3.0
      MODES = %w[raise_in_thread raise_in_main int term_trap_exit usr1_trap_raise usr1_trap_note
                 term_at_exit int_at_exit].freeze

      BODY = <<~'RUBY'
        class SoakInterrupt < StandardError; end
        SOAK[:events].times { |i| soak_emit(i) }
        mode = SOAK[:mode]
        delay = SOAK[:delay]
        case mode
        when "raise_in_thread"
          flusher = Thread.new do
            EzlogsRubyAgent.flush(timeout: 10)
            :returned
          rescue SoakInterrupt
            :raised
          end
          sleep delay
          raised_at = soak_now
          flusher.raise(SoakInterrupt)
          how = flusher.value
          soak_mark("interrupt", { latency: soak_now - raised_at, how: })
        when "raise_in_main", "usr1_trap_raise"
          main = Thread.current
          raised_at = nil
          trap("USR1") { raise SoakInterrupt } if mode == "usr1_trap_raise"
          Thread.new do
            sleep delay
            raised_at = soak_now
            mode == "raise_in_main" ? main.raise(SoakInterrupt) : Process.kill(:USR1, Process.pid)
          end
          begin
            EzlogsRubyAgent.flush(timeout: 10)
            sleep
          rescue SoakInterrupt
            soak_mark("interrupt", { latency: soak_now - raised_at, how: "raised" })
          end
        when "usr1_trap_note"
          trapped_at = nil
          trap("USR1") { trapped_at = soak_now }
          sent_at = nil
          Thread.new { sleep delay; sent_at = soak_now; Process.kill(:USR1, Process.pid) }
          started = soak_now
          EzlogsRubyAgent.flush(timeout: SOAK[:flush_timeout])
          sleep 0.01 until sent_at
          sleep 0.01 while trapped_at.nil? && soak_now - sent_at < 10
          soak_mark("interrupt", { latency: (trapped_at || soak_now) - sent_at, how: trapped_at ? "trapped" : "lost",
                                   flush: soak_now - started })
        when "int", "term_trap_exit"
          trap("TERM") { exit 5 } if mode == "term_trap_exit"
          Thread.new do
            sleep delay
            soak_exit_mark
            Process.kill(mode == "int" ? :INT : :TERM, Process.pid)
          end
          EzlogsRubyAgent.flush(timeout: 10)
          sleep
        end
        soak_exit_mark
      RUBY

      def job(id, rng)
        mode = MODES.sample(random: rng)
        params = { mode:, events: rng.rand(100..2000), delay: rng.rand(0.05..1.0).round(2),
                   flush_timeout: rng.rand(1.0..3.0).round(2), delivery: { shutdown_timeout: 2 } }
        build(id, rng, kind: rng.rand < 0.75 ? :hang : :slow, mode:, params:, expect: expect(mode),
                       signal: harness_signal(mode, rng), watchdog: 60, check: method(:check))
      end

      private

      def harness_signal(mode, rng)
        return unless mode.end_with?("_at_exit")

        { mark: "exit_start", delay: rng.rand(0.1..1.0), name: mode.start_with?("term") ? "TERM" : "INT" }
      end

      def expect(mode)
        case mode
        when "int" then [[:signal, "INT"]]
        when "term_trap_exit" then [[:exit, 5]]
        when "term_at_exit" then [[:signal, "TERM"], [:exit, 0]]
        when "int_at_exit" then [[:signal, "INT"], [:exit, 0]]
        else [[:exit, 0]]
        end
      end

      def check(result)
        mode = result.job.mode
        return [] unless mode.start_with?("raise", "usr1")

        interrupt = result.mark("interrupt")
        return [[:unexpected, "printed no interrupt mark"]] unless interrupt.is_a?(Hash)

        latency_problems(mode, interrupt) + flush_problems(result.job, interrupt)
      end

      def latency_problems(mode, interrupt)
        return [[:hang, "the USR1 trap never ran"]] if interrupt["how"] == "lost"
        return [] if interrupt["latency"] <= MAX_LATENCY

        [[:hang, format("%<mode>s took effect %<s>.2f s after it was sent (%<how>s)",
                        mode:, s: interrupt["latency"], how: interrupt["how"])]]
      end

      # usr1_trap_note's flush goes on after the trap, up to its own timeout.
      def flush_problems(job, interrupt)
        return [] unless interrupt["flush"] && interrupt["flush"] > job.params[:flush_timeout] + MAX_LATENCY

        message = format("flush(timeout: %<t>.2f) returned after %<s>.2f s",
                         t: job.params[:flush_timeout], s: interrupt["flush"])
        [[:hang, message]]
      end
    end
  end
end
