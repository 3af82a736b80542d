# frozen_string_literal: true

module EzlogsRubyAgent
  # Sidekiq's retries of a job, read from its job hash by Sidekiq's own
  # rules (Sidekiq::JobRetry): how many there were, and whether a failed
  # run gets another.
  module SidekiqRetries
    # The Sidekiq versions that brought `retry_for` and a `sidekiq_retry_in`
    # that answers :kill or :discard (Sidekiq's Changes.md); before them,
    # Sidekiq::JobRetry ignores the one and retries whatever the other
    # answers.
    RETRY_FOR_SINCE = Gem::Version.new("7.1.3")
    RETRY_IN_STOPS_SINCE = Gem::Version.new("6.5.2")

    module_function

    # How many times Sidekiq has retried `job` (a job hash), from its
    # `retry_count`, which Sidekiq sets to 0 for the first retry.
    def retries_of(job)
      count = job&.[]("retry_count")
      count.is_a?(Integer) ? count + 1 : 0
    end

    # A run's `attempt` (1 for the first), `retry_count` (Sidekiq's, absent
    # before its first retry) and, when the run failed with `error`,
    # `retry_scheduled` (scheduled?); `job` is its job hash.
    def details(job, error)
      { attempt: retries_of(job) + 1, retry_count: job["retry_count"],
        retry_scheduled: (scheduled?(job, error) if error) }
    end

    # Whether Sidekiq runs `job` (a job hash) again after this run failed
    # with `error`, by its own rules (Sidekiq::JobRetry): a retry while
    # retries are left under `retry` and time under `retry_for`; nil when
    # the worker's `sidekiq_retry_in` decides, since it may answer :kill or
    # :discard and only calling it would tell. Always when Sidekiq's
    # shutdown interrupted the run (Sidekiq::Shutdown): it pushes the job
    # back to its queue, which is no retry, so the next run has the same
    # attempt. Never under Sidekiq::Testing, whose runs raise to the caller.
    def scheduled?(job, error)
      return false if testing?
      return true if error.is_a?(::Sidekiq::Shutdown)
      return false unless retries_left?(job) && !past_retry_for?(job)

      retry_in_decides?(job) ? nil : true
    end

    def testing?
      defined?(::Sidekiq::Testing) && ::Sidekiq::Testing.enabled?
    end

    # Retries left under the job's `retry`, read as Sidekiq::JobRetry
    # reads it: the worker class's when the job has none, none when false,
    # else that many when an Integer, else Sidekiq's max_retries.
    def retries_left?(job)
      retry_option = job["retry"].nil? ? class_retry_option(job) : job["retry"]
      return false unless retry_option

      retries_of(job) < (retry_option.is_a?(Integer) ? retry_option : max_retries)
    end

    # `retry_for` seconds since the first failure (`failed_at`, now for a
    # first run) are over.
    def past_retry_for?(job)
      retry_for = job["retry_for"]
      return false unless retry_for.is_a?(Numeric) && sidekiq_since?(RETRY_FOR_SINCE)

      failed_at = job["failed_at"].is_a?(Numeric) ? job["failed_at"] : Time.now.to_f
      failed_at + retry_for <= Time.now.to_f
    end

    # Whether the worker (or the ActiveJob class it wraps) has a
    # `sidekiq_retry_in` block that may stop its retries.
    def retry_in_decides?(job)
      return false unless sidekiq_since?(RETRY_IN_STOPS_SINCE)

      worker = worker_class(job, "wrapped") || worker_class(job, "class")
      worker.respond_to?(:sidekiq_retry_in_block) && !worker.sidekiq_retry_in_block.nil?
    end

    def class_retry_option(job)
      worker = worker_class(job, "class")
      worker.get_sidekiq_options["retry"] if worker.respond_to?(:get_sidekiq_options)
    end

    # The class the job hash names under `key`, if this process has it.
    def worker_class(job, key)
      name = job[key]
      Object.const_get(name.to_s) if name
    rescue NameError
      nil
    end

    def sidekiq_since?(version)
      Gem::Version.new(::Sidekiq::VERSION) >= version
    end

    # Sidekiq's `max_retries` (25 unless configured).
    def max_retries
      options = ::Sidekiq.respond_to?(:default_configuration) ? ::Sidekiq.default_configuration : ::Sidekiq.options
      options[:max_retries] || 25
    rescue *FAILURES
      25
    end
  end
end
