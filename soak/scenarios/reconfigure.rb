# frozen_string_literal: true

require_relative "scenario"

module Soak
  module Scenarios
    # Reconfiguration while events flow. 2-4 threads log continuously while
    # the main thread, for 2-5 s, calls EzlogsRubyAgent.configure every
    # 5-100 ms: the endpoint switches among the collectors (ok, refuse,
    # hang, slow, flap) and a file:// endpoint in the child's directory,
    # with a new batch_size (1-200) and, now and then, a new flush_interval,
    # retry_attempts or timeout, and now and then an explicit
    # flush(timeout: 0.2). Then the threads stop and it exits 0, with
    # shutdown_timeout 2 s. Checked: exit 0 within shutdown_timeout + 3 s.
    class Reconfigure < Scenario
      NAME = :reconfigure

      BODY = <<~'RUBY'
        endpoints = SOAK[:endpoints] + ["file://#{Dir.pwd}/events.jsonl"]
        stop = [false]
        loggers = soak_loggers(SOAK[:threads], stop)
        deadline = soak_now + SOAK[:seconds]
        changes = 0
        while soak_now < deadline
          EzlogsRubyAgent.configure do |c|
            c.delivery.endpoint = endpoints.sample
            c.delivery.batch_size = rand(1..200)
            c.delivery.flush_interval = rand(0.05..2.0) if rand < 0.3
            c.delivery.retry_attempts = rand(0..3) if rand < 0.3
            c.delivery.timeout = rand(0.5..10.0) if rand < 0.2
          end
          changes += 1
          EzlogsRubyAgent.flush(timeout: 0.2) if rand < 0.1
          sleep rand(0.005..0.1)
        end
        stop[0] = true
        loggers.each(&:join)
        soak_mark("reconfigured", { changes:, endpoint: EzlogsRubyAgent.config.delivery.endpoint })
        soak_exit_mark
      RUBY

      def job(id, rng)
        params = { threads: rng.rand(2..4), seconds: rng.rand(2.0..5.0).round(2),
                   endpoints: Collectors::ALL.map { |kind| collectors.fetch(kind).url },
                   delivery: { shutdown_timeout: 2 } }
        # It starts on the ok collector; the script moves among all of them.
        build(id, rng, kind: :mixed, endpoint: collectors.fetch(:ok).url, mode: "#{params[:seconds]} s", params:,
                       expect: [[:exit, 0]], watchdog: 60)
      end
    end
  end
end
