# frozen_string_literal: true

require_relative "scenario"

module Soak
  module Scenarios
    # Short processes that exit with events still queued. Each logs 0 to
    # 2,000 events from 1 to 4 threads against one collector (ok, refuse,
    # hang, slow, flap), with shutdown_timeout 2 s (or the default 5 s, one
    # run in four), then ends one way:
    #   queued              falls off the end of the script at once: exit 0
    #   flush               EzlogsRubyAgent.flush(timeout: 0.1-3 s), then exit 0
    #   exit_bang           exit!(0 or 3) or Process.exit!: at_exit blocks
    #                       are skipped, the status is the one chosen
    #   raise               an uncaught exception: exit 1
    #   exit_while_logging  exit 0 while its threads are still logging
    #   signal              SIGTERM or SIGINT from the harness while its
    #                       threads log: dies of that signal
    # The exit is timed from the child's exit_start mark (or the signal) to
    # its reaping: longer than shutdown_timeout + 3 s is a hang.
    class ShortLived < Scenario
      NAME = :short
      ENDINGS = { "queued" => 3, "flush" => 2, "exit_bang" => 1, "raise" => 1, "exit_while_logging" => 1,
                  "signal" => 2 }.freeze

      BODY = <<~'RUBY'
        ending = SOAK[:ending]
        if %w[signal exit_while_logging].include?(ending)
          stop = [false]
          soak_loggers(SOAK[:threads], stop)
          sleep 0.05
          soak_mark("ready")
          sleep if ending == "signal" # until the harness's signal
          sleep SOAK[:run_for]
          soak_exit_mark
          exit 0
        end

        per_thread = SOAK[:events] / SOAK[:threads]
        Array.new(SOAK[:threads]) { |t| Thread.new { per_thread.times { |i| soak_emit(t * 10_000 + i) } } }.each(&:join)
        soak_mark("last_event")
        soak_mark("flushed", EzlogsRubyAgent.flush(timeout: SOAK[:flush_timeout])) if ending == "flush"
        soak_exit_mark
        if ending == "exit_bang"
          SOAK[:process_exit] ? Process.exit!(SOAK[:status]) : exit!(SOAK[:status])
        end
        raise "soak: an uncaught exception, on purpose" if ending == "raise"
      RUBY

      def job(id, rng)
        ending = pick(rng, ENDINGS)
        params = { ending:, events: rng.rand(0..2000), threads: rng.rand(1..4), status: [0, 3].sample(random: rng),
                   process_exit: rng.rand < 0.5,
                   flush_timeout: rng.rand(0.1..3.0).round(2), run_for: rng.rand(0.05..1.0).round(2),
                   delivery: rng.rand < 0.25 ? {} : { shutdown_timeout: 2 } }
        signal = { mark: "ready", delay: rng.rand(0.0..0.5), name: %w[TERM INT].sample(random: rng) }
        build(id, rng, kind: Collectors::ALL.sample(random: rng), mode: ending, params:, watchdog: 60,
                       signal: ending == "signal" ? signal : nil, expect: expect(ending, params, signal))
      end

      private

      def expect(ending, params, signal)
        case ending
        when "signal" then [[:signal, signal[:name]]]
        when "exit_bang" then [[:exit, params[:status]]]
        when "raise" then [[:exit, 1]]
        else [[:exit, 0]]
        end
      end
    end
  end
end
