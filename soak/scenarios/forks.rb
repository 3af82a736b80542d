# frozen_string_literal: true

require_relative "scenario"

module Soak
  module Scenarios
    # Forks under load. A parent with 2-4 threads logging continuously
    # forks 3-8 children over 1-4 s, with Kernel#fork from the main thread
    # or Process.fork inside a new thread, while its threads keep logging.
    # Each child moves into its own directory (so that its core file, if
    # any, is its own), logs 0-500 events (from 0-2 threads of its own),
    # sometimes forks a grandchild that logs and exits, and exits 0
    # normally (flushing at exit) or with exit!(0). The parent waits for
    # each child (aborting one that has not exited 30 s after its fork),
    # then exits 0. Checked: the parent and every child exit 0, each
    # child's exit within shutdown_timeout + 3 s, nothing left running.
    # Children's exits are reported in their own row.
    class Forks < Scenario
      NAME = :forks
      CHILD_DEADLINE = 30

      BODY = <<~'RUBY'
        def child(plan)
          dir = "child-#{Process.pid}"
          Dir.mkdir(dir)
          Dir.chdir(dir)
          stop = [false]
          loggers = soak_loggers(plan[:threads], stop, base: 50_000_000)
          plan[:events].times { |i| soak_emit(i) }
          if plan[:grandchild]
            grandchild = fork { 50.times { |i| soak_emit(i) } }
            Process.wait(grandchild)
            exit!(9) unless $?.success?
          end
          stop[0] = true
          loggers.each(&:join)
          File.write("exit_start", soak_now.to_s)
          plan[:ending] == "exit_bang" ? exit!(0) : exit(0)
        end

        stop = [false]
        loggers = soak_loggers(SOAK[:threads], stop)
        waiters = []
        SOAK[:plans].each do |plan|
          sleep plan[:after]
          forked_at = soak_now
          pid = plan[:via] == "thread" ? Thread.new { fork { child(plan) } }.value : fork { child(plan) }
          waiters << Thread.new do
            waiter = Process.detach(pid)
            unless (done = waiter.join(forked_at + SOAK[:child_deadline] - soak_now))
              Process.kill(:ABRT, pid)
              waiter.join(10) || Process.kill(:KILL, pid)
            end
            status = waiter.value
            reaped = soak_now
            start = File.read("child-#{pid}/exit_start").to_f rescue nil
            { pid:, plan:, aborted: !done, exit: status.exitstatus, signal: status.termsig && Signal.signame(status.termsig),
              exit_duration: start && reaped - start, lifetime: reaped - forked_at }
          end
        end
        sleep SOAK[:tail]
        children = waiters.map(&:value)
        stop[0] = true
        loggers.each(&:join)
        soak_mark("children", children)
        soak_exit_mark
      RUBY

      def job(id, rng)
        params = { threads: rng.rand(2..4), tail: rng.rand(0.0..1.0).round(2), child_deadline: CHILD_DEADLINE,
                   plans: Array.new(rng.rand(3..8)) { plan(rng) }, delivery: { shutdown_timeout: 2 } }
        build(id, rng, kind: Collectors::ALL.sample(random: rng), mode: "#{params[:plans].size} children",
                       params:, expect: [[:exit, 0]], watchdog: 120, check: method(:check))
      end

      # Each child's exit, as a Result-like row for the report.
      def self.children(result)
        Array(result.mark("children")).grep(Hash)
      end

      private

      def plan(rng)
        { after: rng.rand(0.05..0.6).round(2), via: %w[main thread].sample(random: rng),
          ending: %w[exit exit_bang].sample(random: rng), events: rng.rand(0..500), threads: rng.rand(0..2),
          grandchild: rng.rand < 0.2 }
      end

      def check(result)
        expected = Array(result.job.params[:plans]).size
        children = self.class.children(result)
        return [[:unexpected, "reported #{children.size} of #{expected} children"]] if children.size != expected

        children.flat_map { |child| child_problems(child) }
      end

      def child_problems(child)
        label = "child #{child["pid"]} (#{child["plan"]["via"]}, #{child["plan"]["ending"]})"
        return [[:hang, "#{label} had not exited #{CHILD_DEADLINE} s after its fork: aborted"]] if child["aborted"]
        return [[:crash, "#{label} killed by SIG#{child["signal"]}"]] if child["signal"]
        return [[:unexpected, "#{label} exited #{child["exit"]}"]] unless child["exit"].zero?

        duration = child["exit_duration"]
        limit = 2 + Verdict::EXIT_SLACK
        duration && duration > limit ? [[:hang, format("%<label>s: exit took %<d>.2f s", label:, d: duration)]] : []
      end
    end
  end
end
