# frozen_string_literal: true

# The dummy shop's own Minitest setup, as an app's test/test_helper.rb:
# the gem's assertions come from one require. Run by
# spec/rails/minitest_helpers_spec.rb, with jobs inline and a fresh
# SQLite database.
ENV["RAILS_ENV"] = "test"
require_relative "../config/environment"
require "rails/test_help"
require "ezlogs_ruby_agent/minitest"

ActiveRecord::Migration.verbose = false
load File.expand_path("../db/schema.rb", __dir__)
