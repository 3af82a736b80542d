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

      # The name events would carry without the setting (the Rails
      # application's module, else the folder), to start from.
      def service_name
        EzlogsRubyAgent.config.service_name
      end
    end
  end
end
