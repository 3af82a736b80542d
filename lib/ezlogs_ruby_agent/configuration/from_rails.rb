# frozen_string_literal: true

require_relative "filter_parameters"
require_relative "trusted_proxies"

module EzlogsRubyAgent
  class Configuration
    # What the configuration takes from the Rails application, when there
    # is one: its name, environment, `filter_parameters` and trusted
    # proxies. Rails accepted these settings, so none of them may stop the
    # app from booting: a value that cannot be read is reported (by its
    # error's class only: a NoMethodError's message would print Rails'
    # configuration, secrets and all) and a default used instead.
    module FromRails
      # The Rails settings as the last `to_native` read them.
      Settings = Struct.new(:filter_parameters, :trusted_proxies) do
        # Says once which trusted proxies the native core cannot match
        # itself. (Its filter_parameters notes go with the boot line.)
        def report
          trusted_proxies.report
        end
      end

      def rails_settings
        @rails_settings ||= read_rails_settings
      end

      private

      def read_rails_settings
        @rails_settings = Settings.new(FilterParameters.new(rails_filter_parameters), rails_trusted_proxies)
      end

      # The Rails application, when there is one.
      def rails_application
        ::Rails.application if defined?(::Rails) && ::Rails.respond_to?(:application)
      end

      # `block`'s value, read from the Rails application; `fallback` when
      # there is none or reading it raised.
      def from_rails(name, fallback, instead)
        return fallback unless rails_application

        yield rails_application
      rescue *FAILURES => e
        ProblemReporter.bad_setting("reading Rails' #{name} raised #{e.class}", instead)
        fallback
      end

      # The module the Application class is in ("MyShop" -> "my_shop");
      # nil when it is in none (a class at the top level): a blank name is
      # no name, as a blank environment variable is none.
      def rails_app_name
        from_rails("application name", nil, "the service is named without it") do |app|
          name = app.class.module_parent_name.to_s.gsub(/([a-z\d])([A-Z])/, '\1_\2').downcase
          name unless name.empty?
        end
      end

      # The app's folder (Rails.root), whatever folder the process was
      # started in (a Sidekiq started with `-r /srv/shop` from `/`).
      def rails_root_name
        from_rails("root", nil, "the service is named after the current folder") do |app|
          name = File.basename(app.config.root.to_s)
          name unless name.empty? || name == "/"
        end
      end

      def rails_filter_parameters
        from_rails("config.filter_parameters", [], "only security.sensitive_fields are redacted") do |app|
          Array(app.config.filter_parameters).dup
        end
      end

      def rails_trusted_proxies
        from_rails("config.action_dispatch.trusted_proxies", TrustedProxies.new,
                   "the client IP is taken through Rails' default proxies") do |app|
          settings = app.config.action_dispatch
          TrustedProxies.new(settings.trusted_proxies, ip_spoofing_check: settings.ip_spoofing_check)
        end
      end

      def rails_env
        return unless defined?(::Rails) && ::Rails.respond_to?(:env)

        ::Rails.env.to_s.then { |env| env unless env.empty? }
      rescue *FAILURES => e
        ProblemReporter.bad_setting("reading Rails.env raised #{e.class}", "the environment is named without it")
        nil
      end
    end
  end
end
