# frozen_string_literal: true

# The main job: a small Rails shop (the suite's app, spec/dummy) served by
# Puma on loopback, with its jobs on Sidekiq (redis-server started here) or,
# without redis-server, on ActiveJob's async adapter. A scripted user
# journey goes through it as real HTTP requests; the agent delivers the
# events to a local collector that speaks the ezlogs agent protocol; each
# flow is then printed as the tree its parent_event_id links form.
#
# With --otlp, the events go instead as OTLP/HTTP logs to a receiver that
# decodes them with the official opentelemetry-proto classes
# (spec/support/otlp/receiver.py), each request arriving in a W3C trace as
# an OpenTelemetry-instrumented client would send it; what arrived is
# printed as log records, by flow, with their trace ids.

require "fileutils"
require "json"
require "net/http"
require "securerandom"
require "tmpdir"
require_relative "../spec/support/collector"
require_relative "../spec/support/otlp_receiver"
require_relative "../spec/support/redis_server"

WORKDIR = Dir.mktmpdir("ezlogs-demo")
OTLP = ARGV.include?("--otlp")
COLLECTOR = OTLP ? OtlpReceiver.new : Collector.new
DESTINATION = OTLP ? COLLECTOR.endpoint : COLLECTOR.url
REDIS = (RedisServer.new.start if RedisServer.available?)

ENV["RAILS_ENV"] = "production"
ENV["DUMMY_DATABASE"] = File.join(WORKDIR, "shop.sqlite3")
ENV["DUMMY_SHOW_EXCEPTIONS"] = "true"
ENV["DUMMY_JOB_ADAPTER"] = REDIS ? "sidekiq" : "async"
ENV["EZLOGS_ENDPOINT"] = DESTINATION
ENV["REDIS_URL"] = REDIS.url if REDIS

require "sidekiq/cli" if REDIS # a Sidekiq server process: server middleware on
require_relative "../spec/dummy/config/environment"
require "puma"
require "puma/events"

# The shop's data, written with SQL so that seeding emits no events.
def seed
  ActiveRecord::Migration.verbose = false
  load File.expand_path("../spec/dummy/db/schema.rb", __dir__)
  connection = ActiveRecord::Base.connection
  connection.execute("INSERT INTO accounts (id, name, created_at, updated_at) VALUES (7, 'Acme', 0, 0)")
  connection.execute("INSERT INTO users (id, account_id, name, email, created_at, updated_at) " \
                     "VALUES (123, 7, 'Ada', 'ada@example.com', 0, 0)")
  connection.execute("INSERT INTO orders (id, user_id, status, total, created_at, updated_at) " \
                     "VALUES (9, 123, 'paid', 59.9, 0, 0)")
end

def start_sidekiq
  require "sidekiq/launcher"
  Sidekiq.logger.level = Logger::ERROR
  Redis.silence_deprecations = true
  Sidekiq::Launcher.new(Sidekiq.options.merge(queues: %w[default mailers], concurrency: 2, timeout: 5)).tap(&:run)
end

def start_puma
  server = Puma::Server.new(Rails.application, Puma::Events.null, min_threads: 1, max_threads: 4)
  port = server.add_tcp_listener("127.0.0.1", 0).addr[1]
  server.run
  [server, port]
end

# One step of the journey: a real HTTP request to the shop.
def visit(port, method, path, body: nil, headers: {})
  headers = headers.merge("traceparent" => "00-#{SecureRandom.hex(16)}-#{SecureRandom.hex(8)}-01") if OTLP
  request = Net::HTTP.const_get(method.capitalize).new(path, { "Content-Type" => "application/json" }.merge(headers))
  request.body = JSON.generate(body) if body
  response = Net::HTTP.start("127.0.0.1", port) { |http| http.request(request) }
  puts format("  %-6<method>s %-14<path>s -> %<status>s", method:, path:, status: response.code)
end

def journey(port)
  signed_in = { "X-User-Id" => "123" }
  visit(port, "GET", "/users/123", headers: signed_in)
  visit(port, "PATCH", "/users/123", headers: signed_in,
                                     body: { user: { email: "ada.lovelace@example.com", password: "hunter2" } })
  visit(port, "POST", "/graphql", body: { query: "query GetUser($id: ID!) { user(id: $id) { name } }",
                                          operationName: "GetUser", variables: { id: 123 } })
  visit(port, "GET", "/boom")
  visit(port, "GET", "/health")
end

def wait_for_mail(timeout: 20)
  deadline = Time.now + timeout
  sleep 0.05 until mail_arrived? || Time.now > deadline
end

def mail_arrived?
  return COLLECTOR.log_records.any? { |record| record["eventName"] == "mail.delivery" } if OTLP

  COLLECTOR.events.any? { |e| e["event_type"] == "mail.delivery" }
end

# What arrived at the collector, drawn as the gem draws flows (the Hashes
# a collector parsed, as DebugTools.flow_tree takes them).
def print_flows(events)
  events.group_by { |event| event.dig("correlation", "flow_id") }.each_value do |flow|
    puts "\n#{EzlogsRubyAgent::DebugTools.flow_tree(flow)}"
  end
end

# What arrived as OTLP, by flow.
def print_log_records(records)
  records.group_by { |record| attribute(record, "ezlogs.flow_id") }.each do |flow_id, flow|
    puts "\nflow #{flow_id} (#{flow.size} log #{flow.size == 1 ? "record" : "records"})"
    flow.each { |record| puts "  #{record_line(record)}" }
  end
end

# "trace 4bf9...  span 00f0...  INFO   http.request  GET /users/123"
def record_line(record)
  hex = ->(bytes) { bytes ? bytes.unpack1("m").unpack1("H*") : "-" }
  format("trace %<trace>-32s  span %<span>-16s  %<severity>-5s  %<name>s  %<body>s",
         trace: hex.call(record["traceId"]), span: hex.call(record["spanId"]), severity: record["severityText"],
         name: record["eventName"], body: record.dig("body", "stringValue"))
end

def attribute(record, key)
  record["attributes"].find { |kv| kv["key"] == key }&.dig("value", "stringValue")
end

def print_metrics
  metrics = EzlogsRubyAgent.metrics
  puts "\ndelivery: #{metrics[:events_delivered]} of #{metrics[:events_captured]} events delivered " \
       "in #{metrics[:batches_sent]} batches (#{metrics[:bytes_sent]} bytes) to #{DESTINATION}; " \
       "dropped #{metrics[:events_dropped_total]}, failed batches #{metrics[:batches_failed]}, " \
       "circuit #{metrics[:circuit_state]}"
end

begin
  seed
  launcher = start_sidekiq if REDIS
  server, port = start_puma
  puts "dummy shop on http://127.0.0.1:#{port}, jobs on #{REDIS ? "Sidekiq (redis-server)" : "the async adapter"}, " \
       "events to #{OTLP ? "an OTLP receiver" : "the collector"} at #{DESTINATION}\n\njourney:"
  journey(port)
  wait_for_mail
  EzlogsRubyAgent.flush(timeout: 5)
  OTLP ? print_log_records(COLLECTOR.log_records) : print_flows(COLLECTOR.events)
  print_metrics
ensure
  server&.stop(true)
  launcher&.stop
  EzlogsRubyAgent.shutdown
  COLLECTOR.stop
  REDIS&.stop
  FileUtils.remove_entry(WORKDIR)
end
