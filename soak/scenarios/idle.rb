# frozen_string_literal: true

require_relative "scenario"

module Soak
  module Scenarios
    # Long idle processes against a failing collector (refuse, hang, slow,
    # flap), with retries and the circuit breaker made fast (threshold 2,
    # open for 2 s, flush every 0.5 s), so that minutes hold many open and
    # half-open cycles. Each logs 5-50 events, then sleeps 1 s at a time
    # for N minutes, logging 1-20 events every 1-10 s, and checks
    # EzlogsRubyAgent.metrics each second. At the end it prints its metrics
    # and what it saw, then exits 0. Checked: exit 0 within
    # shutdown_timeout + 3 s; the main thread never woke more than 3 s late
    # from its 1 s sleep (a stalled VM); the counters add up (delivered +
    # dropped never more than captured). Reported: events captured,
    # delivered, dropped and pending, the circuit states seen, RSS and
    # thread counts at the start and end.
    class Idle < Scenario
      NAME = :idle
      MAX_OVERSHOOT = 3.0

      BODY = <<~'RUBY'
        def rss_kb = File.read("/proc/self/status")[/VmRSS:\s+(\d+)/, 1].to_i
        def thread_count = Dir.children("/proc/self/task").size

        seq = 0
        SOAK[:initial].times { soak_emit(seq += 1) }
        start = soak_now
        before = { rss_kb: rss_kb, threads: thread_count }
        states = Hash.new(0)
        changes = 0
        last = nil
        overshoot = 0.0
        next_event = start + rand(1.0..10.0)
        next_progress = start + 60
        while soak_now < start + SOAK[:seconds]
          t0 = soak_now
          sleep 1
          overshoot = [overshoot, soak_now - t0 - 1].max
          state = EzlogsRubyAgent.metrics[:circuit_state]
          states[state] += 1
          changes += 1 if last && state != last
          last = state
          if soak_now >= next_event
            rand(1..20).times { soak_emit(seq += 1) }
            next_event = soak_now + rand(1.0..10.0)
          end
          if soak_now >= next_progress
            soak_mark("progress", { minutes: ((soak_now - start) / 60).round(1), states: states, logged: seq })
            next_progress += 60
          end
        end
        soak_mark("metrics", EzlogsRubyAgent.metrics)
        soak_mark("idle", { seconds: soak_now - start, logged: seq, states: states, changes: changes,
                            overshoot: overshoot, before: before, after: { rss_kb: rss_kb, threads: thread_count } })
        soak_exit_mark
      RUBY

      def initialize(collectors, minutes:, per_kind:)
        super(collectors)
        @seconds = (minutes * 60).round
        @per_kind = per_kind
      end

      def count
        Collectors::FAILING.size * @per_kind
      end

      # All of them at once: they run beside the other scenarios.
      def jobs(first_id, rng)
        kinds = Collectors::FAILING.flat_map { |kind| [kind] * @per_kind }
        kinds.each_with_index.map do |kind, index|
          params = { seconds: @seconds, initial: rng.rand(5..50), delivery: FAST_DELIVERY }
          build(first_id + index, rng, kind:, mode: "#{@seconds / 60.0} min", params:, expect: [[:exit, 0]],
                                       watchdog: @seconds + 120, check: method(:check))
        end
      end

      def details(results)
        return [] if results.empty?

        ["idle processes (events: captured / delivered / dropped / pending at exit; circuit: seconds seen " \
         "in each state, sampled each second):",
         *results.sort_by { |r| [r.job.collector, r.job.id] }.map { |result| detail(result) }]
      end

      private

      def check(result)
        metrics = result.mark("metrics")
        idle = result.mark("idle")
        return [[:unexpected, "printed no metrics"]] unless metrics.is_a?(Hash) && idle.is_a?(Hash)

        problems = []
        if idle["overshoot"] > MAX_OVERSHOOT
          problems << [:hang, format("a 1 s sleep woke %<s>.1f s late", s: idle["overshoot"])]
        end
        if accounted(metrics) > metrics["events_captured"]
          problems << [:unexpected, "delivered + dropped (#{accounted(metrics)}) > captured"]
        end
        problems
      end

      def detail(result)
        metrics = result.mark("metrics")
        idle = result.mark("idle")
        return "  #{result.job.label}: #{result.outcome}, no metrics" unless metrics.is_a?(Hash) && idle.is_a?(Hash)

        format("  %<label>-24s %<events>-20s circuit %<states>-58s late<=%<late>.2fs rss %<rss>s kB " \
               "threads %<threads>s exit %<exit>s", **fields(result, metrics, idle))
      end

      def fields(result, metrics, idle)
        { label: result.job.label, events: events(metrics), late: idle["overshoot"],
          states: "#{idle["states"].map { |state, n| "#{state}:#{n}" }.join(" ")} " \
                  "(#{idle["changes"]} changes, end #{metrics["circuit_state"]})",
          rss: before_after(idle, "rss_kb"), threads: before_after(idle, "threads"),
          exit: result.exit_duration ? format("%.2fs", result.exit_duration) : "-" }
      end

      def accounted(metrics)
        metrics["events_delivered"] + metrics["events_dropped_total"]
      end

      def events(metrics)
        [metrics["events_captured"], metrics["events_delivered"], metrics["events_dropped_total"],
         metrics["events_captured"] - accounted(metrics)].join(" / ")
      end

      def before_after(idle, key)
        "#{idle["before"][key]}->#{idle["after"][key]}"
      end
    end
  end
end
