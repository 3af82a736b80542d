# frozen_string_literal: true

# Real Sidekiq processing inside the test process: the launcher fetches
# jobs from Redis and runs them through the server middleware, as the
# `sidekiq` command does. Loading sidekiq/cli first makes Sidekiq.server?
# true, so the app's configure_server blocks run, as in a real worker.
require "sidekiq/cli"
require "sidekiq/launcher"
require "sidekiq/api"

# Sidekiq 6.4 calls redis-rb 4.8 in ways it now warns about.
Redis.silence_deprecations = true

module SidekiqServer
  QUEUES = %w[default mailers].freeze

  module_function

  def start
    Sidekiq.logger.level = Logger::ERROR # failing jobs are expected here
    options = Sidekiq.options.merge(queues: QUEUES, concurrency: 2, timeout: 5)
    @launcher = Sidekiq::Launcher.new(options)
    @launcher.run
  end

  def stop
    @launcher&.stop
  end

  # Moves due scheduled jobs and retries into their queues now, as the
  # scheduler thread would on its next poll (which may be seconds away).
  # Retries are first made due now (Sidekiq waits 15 s and more).
  def enqueue_due_jobs
    Sidekiq::RetrySet.new.each { |entry| entry.reschedule(Time.now.to_f) }
    Sidekiq::Scheduled::Enq.new.enqueue_jobs
    true
  end

  # No job is running in this process.
  def idle?
    Sidekiq::Processor::WORKER_STATE.size.zero?
  end

  def clear
    Sidekiq.redis(&:flushdb)
  end
end
