# frozen_string_literal: true

# A small shop: users in accounts place orders; updating a user sends a
# receipt through jobs and a mailer. The suite drives it through the full
# Rails middleware stack, with SQLite and jobs on a real Sidekiq.
require "logger"
require "rails"
require "active_record/railtie"
require "action_controller/railtie"
require "action_mailer/railtie"
require "active_job/railtie"
require "sidekiq"
require "ezlogs_ruby_agent"

module Dummy
  # Whether Rails renders error pages: Rails 7.1 names the choices (:all,
  # :none) where 6.1 takes true or false.
  def self.show_exceptions(show)
    return show if Rails.gem_version < Gem::Version.new("7.1")

    show ? :all : :none
  end

  class Application < Rails::Application
    config.load_defaults 6.1
    config.root = File.expand_path("..", __dir__)
    config.eager_load = false
    # DUMMY_LOG_TO_STDOUT: the Rails log on stdout, for specs of what the
    # agent writes there.
    config.logger = Logger.new(ENV["DUMMY_LOG_TO_STDOUT"] ? $stdout : nil)
    config.log_level = ENV["DUMMY_LOG_TO_STDOUT"] ? :info : :warn
    config.secret_key_base = "dummy-secret-key-base-for-tests-only-#{"0" * 32}"
    config.hosts = ["example.org", "127.0.0.1", "localhost"]
    config.action_dispatch.show_exceptions = Dummy.show_exceptions(ENV["DUMMY_SHOW_EXCEPTIONS"] == "true")
    # DUMMY_EXCEPTIONS_APP=routes: error pages from ErrorsController.
    config.exceptions_app = routes if ENV["DUMMY_EXCEPTIONS_APP"] == "routes"
    config.active_job.queue_adapter = ENV.fetch("DUMMY_JOB_ADAPTER", "sidekiq").to_sym
    config.action_mailer.delivery_method = :test
    config.action_mailer.default_url_options = { host: "example.org" }
    config.action_controller.allow_forgery_protection = false
    config.filter_parameters += %i[passw secret_answer invite_code]
    # A Proc, which Rails' ParameterFilter applies, and the agent says so at boot.
    config.filter_parameters << ->(key, value) { value.replace("[PROC]") if key == "memo" } if ENV["DUMMY_PROC_FILTER"]
    if Rails.gem_version >= Gem::Version.new("7.0")
      config.active_record.encryption.primary_key = "dummy-primary-key-for-tests-only"
      config.active_record.encryption.deterministic_key = "dummy-deterministic-key-tests-only"
      config.active_record.encryption.key_derivation_salt = "dummy-key-derivation-salt-tests-only"
    end
  end
end
