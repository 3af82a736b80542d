# frozen_string_literal: true

module EzlogsRubyAgent
  class Doctor
    # Whether each tracker whose switch is on has its hook in the app.
    module Trackers
      # switch => the hook's check, for a framework the app loaded
      # (Instrumentation.framework_loaded?); nil when the app is not Rails.
      HOOKS = {
        http: -> { defined?(::Rails) && ::Rails.application ? rails_middleware.include?(HttpTracker) : nil },
        active_record: -> { ::ActiveRecord::Base.include?(CallbacksTracker) },
        active_job: -> { ::ActiveJob::Base.include?(JobTracker) },
        mail: -> { ::ActionMailer::Base.include?(MailTracker::Origin) },
        sidekiq: -> { sidekiq_client_chain.exists?(JobEnqueueMiddleware) },
        custom: -> { true }
      }.freeze

      private

      # One verdict per instrumentation switch: off, on and installed, or
      # on and missing its hook.
      def trackers
        Configuration::Instrumentation::SWITCHES.map do |switch|
          name = "tracker #{switch}"
          next warning("#{name}: off, as the whole agent is", "see the configuration line") unless @config.enabled
          next warning("#{name}: off", "instrumentation.#{switch} = true turns it on") unless
            @config.instrumentation.public_send(switch)

          case hook_installed?(switch)
          when nil then ok("#{name}: on (#{switch} is not loaded in this app)")
          when true then ok("#{name}: on, installed")
          else failure("#{name}: on, but its hook is not installed",
                       "require the gem through Bundler.require in config/application.rb, " \
                       "and boot without EZLOGS_ENABLED=false")
          end
        end
      end

      # nil when the switch's framework is not in the app.
      def hook_installed?(switch)
        instance_exec(&HOOKS.fetch(switch)) if Configuration::Instrumentation.framework_loaded?(switch)
      end

      def rails_middleware
        ::Rails.application.middleware.middlewares.map(&:klass)
      end

      # Sidekiq 7 keeps the chain on its default configuration; 6 on Sidekiq.
      def sidekiq_client_chain
        if ::Sidekiq.respond_to?(:default_configuration)
          ::Sidekiq.default_configuration.client_middleware
        else
          ::Sidekiq.client_middleware
        end
      end
    end
  end
end
