# frozen_string_literal: true

module Soak
  # What every child runs before its scenario's body: `ruby -I<repo>/lib -e
  # PRELUDE + body`, outside any bundle, in its own directory. The
  # scenario's parameters arrive as JSON in SOAK_PARAMS (`SOAK`, with symbol
  # keys), the endpoint in EZLOGS_ENDPOINT. A child tells the harness what
  # happened with lines on stdout, `SOAK <name> <json>` (soak_mark), read
  # after it exits (or, for a signal the harness sends on a mark, while it
  # runs). Times are CLOCK_MONOTONIC, which all processes share.
  module ChildScript
    PRELUDE = <<~'RUBY'
      $stdout.sync = true
      require "json"
      require "ezlogs_ruby_agent"

      SOAK = JSON.parse(ENV.fetch("SOAK_PARAMS"), symbolize_names: true)
      srand(SOAK.fetch(:seed))

      def soak_now = Process.clock_gettime(Process::CLOCK_MONOTONIC)

      def soak_mark(name, value = soak_now)
        $stdout.write("SOAK #{name} #{JSON.generate(value)}\n")
      end

      # Right before the process starts to exit: the harness times the exit from here.
      def soak_exit_mark
        delivery = EzlogsRubyAgent.config.delivery
        soak_mark("exit_start", { at: soak_now, shutdown_timeout: delivery.shutdown_timeout,
                                  pending: EzlogsRubyAgent.events_pending })
      end

      SOAK_BLOB = ("soak " * 10_000).freeze

      def soak_emit(i)
        metadata = { pid: Process.pid, seq: i, at: Time.now, tags: %w[soak short idle], ratio: i / 7.0,
                     nested: { ok: i.even?, note: "événement n°#{i}", list: [1, nil, "x", 2.5] } }
        metadata[:blob] = SOAK_BLOB if (i % 997) == 996
        EzlogsRubyAgent.log_event(event_type: "soak.event", action: "logged", actor: { type: "user", id: i },
                                  metadata:)
      end

      # Threads that log until `stop[0]` is set, in bursts with short pauses.
      def soak_loggers(count, stop, base: 0)
        Array.new(count) do |t|
          Thread.new do
            i = base + t * 1_000_000
            until stop[0]
              soak_emit(i += 1)
              sleep(0.005) if (i % 20).zero?
            end
          end
        end
      end

      EzlogsRubyAgent.configure do |c|
        SOAK.fetch(:delivery, {}).each { |name, value| c.delivery.public_send("#{name}=", value) }
      end
    RUBY

    def self.script(body)
      "#{PRELUDE}\n#{body}"
    end
  end
end
