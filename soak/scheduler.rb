# frozen_string_literal: true

module Soak
  # Runs the idle processes, all at once, beside a pool of `workers`
  # threads that each run one churn process at a time (short, forks,
  # interrupts, reconfigure, picked at random by weight) until the churn
  # deadline; prints a progress line every `every` seconds.
  class Scheduler
    WEIGHTS = { short: 6, interrupts: 2, forks: 1, reconfigure: 1 }.freeze

    def initialize(runner:, report:, workers:, churn_seconds:, rng:, every:)
      @runner = runner
      @report = report
      @workers = workers
      @deadline = now + churn_seconds
      @rng = rng
      @every = every
      @lock = Mutex.new
      @next_id = 0
      @running = 0
    end

    # `churn`: scenarios that make one job at a time (#job(id, rng));
    # `idle`: an Idle scenario or nil.
    def run(churn, idle)
      threads = idle ? idle.jobs(take_ids(idle.count), @rng).map { |job| start(job) } : []
      threads += Array.new(churn.empty? ? 0 : @workers) { Thread.new { churn_loop(churn) } }
      reporter = Thread.new { loop { @report.progress(@running) if sleep(@every) } }
      threads.each(&:join)
      reporter.kill
    end

    private

    def start(job)
      Thread.new { execute(job) }
    end

    def churn_loop(churn)
      while (job = next_job(churn))
        execute(job)
      end
    end

    def execute(job)
      @lock.synchronize { @running += 1 }
      @report.add(@runner.run(job))
    rescue StandardError => e
      @report.harness_error(job, e)
    ensure
      @lock.synchronize { @running -= 1 }
    end

    def next_job(churn)
      @lock.synchronize do
        next if now >= @deadline

        weighted = churn.flat_map { |scenario| [scenario] * WEIGHTS.fetch(scenario.name, 1) }
        weighted.sample(random: @rng).job(take_id, @rng)
      end
    end

    # The first of `count` new ids.
    def take_ids(count)
      @lock.synchronize { Array.new(count) { take_id } }.first || 0
    end

    def take_id
      @next_id += 1
    end

    def now
      Process.clock_gettime(Process::CLOCK_MONOTONIC)
    end
  end
end
