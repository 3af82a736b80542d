# frozen_string_literal: true

# Boots the dummy Rails app under spec/dummy with a fresh SQLite database,
# a redis-server started for the suite and Sidekiq processing its jobs.
# Run with `rspec --options .rspec-rails`: Rails loads before the gem, as
# Bundler.require does in an app, so the gem's Railtie installs itself.
require "tmpdir"
require_relative "support/redis_server"

RAILS_SPEC_TMP = Dir.mktmpdir("ezlogs-rails-spec")
REDIS = RedisServer.new.start
# Registered before Sidekiq's own at_exit (which flushes its stats to Redis),
# so it runs after it.
at_exit do
  REDIS.stop
  FileUtils.remove_entry(RAILS_SPEC_TMP)
end
ENV["REDIS_URL"] = REDIS.url
ENV["DUMMY_DATABASE"] = File.join(RAILS_SPEC_TMP, "dummy.sqlite3")
ENV["RAILS_ENV"] = "test"

require_relative "support/sidekiq_server"
require_relative "dummy/config/environment"
require "rack/test"
require_relative "spec_helper"

# Test mode for the whole suite: a job Sidekiq finishes between examples
# leaves its events in the capture, not on the network.
EzlogsRubyAgent::Native.set_test_mode(true)

ActiveRecord::Migration.verbose = false
load File.expand_path("dummy/db/schema.rb", __dir__)

# Every example: a clean database and queues, events of this example only.
module RailsApp
  include Rack::Test::Methods

  TABLES = %w[documents billing_line_items billing_pdf_invoices orders users accounts customers comments tickets
              access_tokens vault_entries members cards delayed_jobs].freeze

  def app
    Rails.application
  end

  # Waits (up to `timeout` seconds) until the block is true, for work that
  # Sidekiq threads do.
  def eventually(timeout: 15)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout
    until (result = yield)
      raise "condition not met within #{timeout} s" if Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline

      sleep 0.02
    end
    result
  end

  def events_of(type)
    captured.select { |event| event[:event_type] == type }
  end

  # The shop of the journey: account 7, its user 123 (Ada), and her paid
  # order 9, whose receipt goes out when her e-mail address changes.
  def seed_journey
    insert_row("accounts", id: 7, name: "Acme")
    insert_row("users", id: 123, account_id: 7, name: "Ada", email: "old@example.com")
    insert_row("orders", id: 9, user_id: 123, status: "paid", total: 59.9)
  end

  # Ruby for a fresh process that boots the dummy app as a Rails process
  # does (config/environment), with user 123 in its database, and, in
  # test_mode, PATCHes /users/123; then runs `report` (Ruby), which has
  # `status` and `events` (the captured events) at hand.
  def dummy_request_script(report)
    <<~RUBY
      require "./spec/dummy/config/environment"
      ActiveRecord::Migration.verbose = false
      load "spec/dummy/db/schema.rb"
      ActiveRecord::Base.connection.execute(
        "INSERT INTO users (id, name, email, created_at, updated_at) VALUES (123, 'Ada', 'a@example.com', 0, 0)"
      )
      EzlogsRubyAgent.test_mode do
        env = Rack::MockRequest.env_for("/users/123", method: "PATCH", "HTTP_HOST" => "example.org",
                                                              params: { user: { email: "b@example.com" } })
        status, _headers, body = Rails.application.call(env)
        body.close
        events = -> { EzlogsRubyAgent.captured_events.map { |entry| entry[:event] } }
        #{report}
      end
    RUBY
  end

  # Rows written without ActiveRecord callbacks, so setup emits nothing.
  def insert_row(table, **columns)
    now = Time.now.utc
    ActiveRecord::Base.connection.insert_fixture(columns.merge(created_at: now, updated_at: now), table)
    columns[:id]
  end
end

RSpec.configure do |config|
  config.include RailsApp

  config.before(:suite) { SidekiqServer.start }
  config.after(:suite) { SidekiqServer.stop }

  config.before do
    SidekiqServer.clear
    eventually { SidekiqServer.idle? }
    RailsApp::TABLES.each { |table| ActiveRecord::Base.connection.execute("DELETE FROM #{table}") }
    ActionMailer::Base.deliveries.clear
    EzlogsRubyAgent.clear_captured_events
  end
end
