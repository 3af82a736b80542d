# frozen_string_literal: true

module EzlogsRubyAgent
  # Sidekiq workers run outside a Sidekiq server, as apps run them in tests
  # and consoles:
  # - `perform_inline` (and `perform_sync`) runs the client middleware, then
  #   the job through the process's server middleware, and pushes nothing.
  #   Outside a server that chain lacks what `configure_server` blocks add,
  #   so the tracker is added to it at boot. The client middleware records
  #   no `job.enqueue` for such a run: it belongs to the caller's event.
  # - Sidekiq::Testing (`inline!`, and `fake!` with `drain` or
  #   `perform_one`) runs jobs through a chain of its own,
  #   `Sidekiq::Testing.server_middleware`, which the tracker joins once the
  #   app has loaded sidekiq/testing. That is checked whenever a job is
  #   pushed, which is always before it runs.
  module SidekiqInline
    RUNNING = :__ezlogs_sidekiq_inline

    module_function

    def install
      config = ::Sidekiq.respond_to?(:default_configuration) ? ::Sidekiq.default_configuration : ::Sidekiq
      config.server_middleware { |chain| chain.add SidekiqJobTracker }
      setter = defined?(::Sidekiq::Job::Setter) && ::Sidekiq::Job::Setter
      setter.prepend(PerformInline) if setter&.method_defined?(:perform_inline)
    end

    def join_testing_chain
      chain = ::Sidekiq::Testing.server_middleware
      chain.add(SidekiqJobTracker) unless chain.exists?(SidekiqJobTracker)
    end

    # Only apps that loaded sidekiq/testing (their test suites) have the
    # chain; for the others this is the whole cost per push.
    def testing?
      defined?(::Sidekiq::Testing) && ::Sidekiq::Testing.respond_to?(:server_middleware)
    end

    # Whether the job being pushed is one `perform_inline` runs at once. The
    # answer is given once: jobs the inline job pushes are enqueued.
    def take_inline
      return false unless Thread.current[RUNNING]

      Thread.current[RUNNING] = nil
      true
    end

    # Marks the push a `perform_inline` call makes.
    module PerformInline
      %i[perform_inline perform_sync].each do |name|
        define_method(name) do |*args|
          previous = Thread.current[RUNNING]
          Thread.current[RUNNING] = true
          super(*args)
        ensure
          Thread.current[RUNNING] = previous
        end
      end
    end
  end
end
