# frozen_string_literal: true

# What tracking costs a Rails request: the dummy shop (spec/dummy) answering
# through its full middleware stack, with the agent's trackers on and off,
# in alternating rounds in one process; then HttpTracker alone around a bare
# Rack app, to show the tracker's own cost without Rails' noise. Events go
# through the real pipeline to a JSON-lines sink on /dev/null. Medians.
#
#   bundle exec ruby -Ilib benches/rails_request.rb

require "tmpdir"

ROUNDS = Integer(ENV.fetch("ROUNDS", 31))
REQUESTS = Integer(ENV.fetch("REQUESTS", 150))
workdir = Dir.mktmpdir("ezlogs-bench")
ENV["RAILS_ENV"] = "production"
ENV["DUMMY_DATABASE"] = File.join(workdir, "bench.sqlite3")
ENV["DUMMY_JOB_ADAPTER"] = "inline"
ENV["EZLOGS_ENDPOINT"] = "file:///dev/null"
require_relative "../spec/dummy/config/environment"

ActiveRecord::Migration.verbose = false
load File.expand_path("../spec/dummy/db/schema.rb", __dir__)
# No fsync per write: the disk's noise would drown what is measured here.
ActiveRecord::Base.connection.execute("PRAGMA synchronous = OFF")
ActiveRecord::Base.connection.execute(
  "INSERT INTO users (id, name, email, created_at, updated_at) VALUES (123, 'Ada', 'ada@example.com', 0, 0)"
)
SWITCHES = %i[http active_record active_job mail].freeze

def tracking(enabled)
  SWITCHES.each { |switch| EzlogsRubyAgent.config.instrumentation.public_send(:"#{switch}=", enabled) }
end

def call(method, path, params = nil)
  env = Rack::MockRequest.env_for(path, method:, params:, "HTTP_HOST" => "example.org",
                                        "HTTP_ACCEPT" => "application/json")
  status, _headers, body = Rails.application.call(env)
  body.close
  raise "#{method} #{path} answered #{status}" unless status < 400
end

REQUEST_KINDS = {
  "GET /users/123 (read)" => ->(_i) { call("GET", "/users/123") },
  "PATCH /users/123 (write)" => ->(i) { call("PATCH", "/users/123", { user: { name: "Ada #{i}" } }) }
}.freeze

def measure(request)
  GC.start
  started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  REQUESTS.times { |i| request.call(i) }
  (Process.clock_gettime(Process::CLOCK_MONOTONIC) - started) * 1e6 / REQUESTS
end

def median(values) = values.sort[values.size / 2]

puts "Rails request benchmark: #{ROUNDS} rounds x #{REQUESTS} requests, medians, Ruby #{RUBY_VERSION}, " \
     "Rails #{Rails.version}"
REQUEST_KINDS.each do |label, request|
  [true, false].each { |enabled| tracking(enabled) && measure(request) } # warm up
  results = { true => [], false => [] }
  # Alternating which goes first, so that neither always inherits the
  # other's garbage.
  ROUNDS.times do |round|
    [round.even?, round.odd?].each { |enabled| tracking(enabled) && (results[enabled] << measure(request)) }
  end
  off = median(results[false])
  on = median(results[true])
  puts format("  %-26<label>s tracking off %<off>7.1f us, on %<on>7.1f us: %<extra>+.1f us (%<ratio>.3fx)",
              label:, off:, on:, extra: on - off, ratio: on / off)
end
tracking(true)
bare = ->(_env) { [200, { "Content-Type" => "text/plain" }, ["ok"]] }
tracked = EzlogsRubyAgent::HttpTracker.new(bare)
template = Rack::MockRequest.env_for("/users/123", "REMOTE_ADDR" => "10.0.0.1",
                                                   "HTTP_X_FORWARDED_FOR" => "203.0.113.9, 10.0.0.2")
rack_request = ->(app) { ->(_i) { app.call(template.dup)[2].then { |body| body.close if body.respond_to?(:close) } } }
results = { bare => [], tracked => [] }
ROUNDS.times { results.each_key { |app| results[app] << measure(rack_request.call(app)) } }
puts format("  %-26<label>s bare %<bare>.2f us, tracked %<tracked>.2f us: +%<extra>.2f us per request",
            label: "HttpTracker on a Rack app", bare: median(results[bare]), tracked: median(results[tracked]),
            extra: median(results[tracked]) - median(results[bare]))
EzlogsRubyAgent.flush(timeout: 10)
metrics = EzlogsRubyAgent.metrics
puts "  #{metrics[:events_delivered]} events delivered of #{metrics[:events_captured]}, " \
     "dropped #{metrics[:events_dropped_total]}"
FileUtils.remove_entry(workdir)
