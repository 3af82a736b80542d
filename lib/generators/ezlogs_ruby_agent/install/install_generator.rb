# frozen_string_literal: true

require "rails/generators"

module EzlogsRubyAgent
  module Generators
    # `rails generate ezlogs_ruby_agent:install`: writes
    # config/initializers/ezlogs_ruby_agent.rb, which names the service and
    # lists every option, commented out, with its default and one line of
    # help.
    class InstallGenerator < ::Rails::Generators::Base
      source_root File.expand_path("templates", __dir__)
      desc "Creates config/initializers/ezlogs_ruby_agent.rb with every option of ezlogs_ruby_agent, commented."

      def create_initializer
        template "ezlogs_ruby_agent.rb.tt", "config/initializers/ezlogs_ruby_agent.rb"
      end

      private

      # The service's name in events: the application's, as Rails names it.
      def service_name
        Rails.application.class.module_parent_name.underscore.dasherize
      rescue StandardError
        File.basename(destination_root)
      end
    end
  end
end
