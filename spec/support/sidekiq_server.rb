# frozen_string_literal: true

# Real Sidekiq processing inside the test process: the launcher fetches
# jobs from Redis and runs them through the server middleware, as the
# `sidekiq` command does. Loading sidekiq/cli first makes Sidekiq.server?
# true, so the app's configure_server blocks run, as in a real worker.
require "sidekiq/cli"
require "sidekiq/launcher"
require "sidekiq/api"

# Sidekiq 6.4 calls redis-rb 4.8 in ways it now warns about (Sidekiq 7
# uses redis-client instead).
Redis.silence_deprecations = true if defined?(Redis) && Redis.respond_to?(:silence_deprecations=)

module SidekiqServer
  QUEUES = %w[default mailers].freeze

  module_function

  def start
    Sidekiq.logger.level = Logger::ERROR # failing jobs are expected here
    @launcher = Sidekiq::Launcher.new(configuration)
    @launcher.run
  end

  # Sidekiq 7 has a configuration object; Sidekiq 6 an options Hash.
  # On Sidekiq 7 a second capsule, "serial" (one thread, its own queue),
  # runs beside the default one, as apps use capsules for serial work.
  def configuration
    return Sidekiq.options.merge(queues: QUEUES, concurrency: 2, timeout: 5) unless sidekiq7?

    config = Sidekiq.default_configuration
    config.queues = QUEUES
    config.concurrency = 2
    config[:timeout] = 5
    config.capsule("serial") do |capsule|
      capsule.concurrency = 1
      capsule.queues = %w[serial]
    end
    config
  end

  def sidekiq7?
    Sidekiq.respond_to?(:default_configuration)
  end

  def server_middleware
    (sidekiq7? ? Sidekiq.default_configuration : Sidekiq).server_middleware
  end

  # Runs the block with `middleware` first in every chain that runs jobs:
  # on Sidekiq 7 each capsule runs its own copy of the configuration's
  # chain, made when it first runs a job.
  def with_middleware_ahead(middleware)
    chains = [server_middleware]
    chains += Sidekiq.default_configuration.capsules.values.map(&:server_middleware) if sidekiq7?
    chains.each { |chain| chain.prepend(middleware) }
    yield
  ensure
    chains.each { |chain| chain.remove(middleware) }
  end

  # Sidekiq 7 refuses arguments that are not JSON (strict_args! is on by
  # default); Sidekiq 6 took them. As an app that passes records would,
  # turns it off for the block.
  def loose_args
    Sidekiq.strict_args!(false) if sidekiq7?
    yield
  ensure
    Sidekiq.strict_args!(true) if sidekiq7?
  end

  def stop
    @launcher&.stop
  end

  # Moves due scheduled jobs and retries into their queues now, as the
  # scheduler thread would on its next poll (which may be seconds away).
  # Retries are first made due now (Sidekiq waits 15 s and more).
  def enqueue_due_jobs
    Sidekiq::RetrySet.new.each { |entry| entry.reschedule(Time.now.to_f) }
    (sidekiq7? ? Sidekiq::Scheduled::Enq.new(Sidekiq.default_configuration) : Sidekiq::Scheduled::Enq.new).enqueue_jobs
    true
  end

  # No job is running in this process.
  def idle?
    (sidekiq7? ? Sidekiq::Processor::WORK_STATE : Sidekiq::Processor::WORKER_STATE).size.zero?
  end

  def clear
    Sidekiq.redis(&:flushdb)
  end
end
