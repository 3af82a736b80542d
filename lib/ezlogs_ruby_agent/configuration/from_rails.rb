# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # What the configuration takes from the Rails application, when there
    # is one: its name, environment, `filter_parameters` and trusted
    # proxies.
    module FromRails
      private

      # The Rails application, when there is one.
      def rails_application
        ::Rails.application if defined?(::Rails) && ::Rails.respond_to?(:application)
      end

      def rails_app_name
        return unless rails_application

        rails_application.class.module_parent_name.to_s.gsub(/([a-z\d])([A-Z])/, '\1_\2').downcase
      end

      def rails_filter_parameters
        rails_application ? Array(rails_application.config.filter_parameters) : []
      end

      # Rails' `action_dispatch.trusted_proxies` as CIDR strings, which then
      # replace Rails' defaults, as they do in Rails; nil keeps the defaults.
      def rails_trusted_proxies
        return unless rails_application

        proxies = Array(rails_application.config.action_dispatch.trusted_proxies)
        return if proxies.empty?

        proxies.map do |proxy|
          proxy.respond_to?(:prefix) ? "#{proxy}/#{proxy.prefix}" : proxy.to_s
        end
      end

      def rails_env
        ::Rails.env.to_s if defined?(::Rails) && ::Rails.respond_to?(:env)
      end
    end
  end
end
