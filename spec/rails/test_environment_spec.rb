# frozen_string_literal: true

# In an app's test environment, with no endpoint chosen, events stay in the
# process: captured, with no collector to wait for. A chosen endpoint wins.
RSpec.describe "The Rails test environment" do
  let(:script) do
    <<~RUBY
      require "./spec/dummy/config/environment"
      ActiveRecord::Migration.verbose = false
      load "spec/dummy/db/schema.rb"
      User.create!(name: "Ada", email: "ada@example.com")
      print JSON.generate(test_mode: EzlogsRubyAgent::Native.test_mode?,
                          captured: EzlogsRubyAgent.captured_events.map { |entry| entry[:event][:action] })
    RUBY
  end

  def boot(env = {})
    database = File.join(RAILS_SPEC_TMP, "test-env-#{env.size}.sqlite3")
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    result = run_ruby(script, env: { "RAILS_ENV" => "test", "DUMMY_DATABASE" => database }.merge(env))
    [result, Process.clock_gettime(Process::CLOCK_MONOTONIC) - started]
  end

  it "captures events and sends nothing when the app chose no endpoint" do
    result, elapsed = boot
    expect(result).to be_success, result.stderr
    expect(JSON.parse(result.stdout, symbolize_names: true)).to eq(test_mode: true, captured: ["user.created"])
    expect(result.stderr).not_to include("exiting")
    expect(elapsed).to be < 15
  end

  it "captures all the same when only OpenTelemetry's variables name an endpoint (the platform's, not the app's)" do
    result, = boot("OTEL_EXPORTER_OTLP_ENDPOINT" => "http://127.0.0.1:9/", "OTEL_SERVICE_NAME" => "billing")
    expect(result).to be_success, result.stderr
    expect(JSON.parse(result.stdout, symbolize_names: true)).to eq(test_mode: true, captured: ["user.created"])
  end

  it "delivers to the endpoint the app chose" do
    path = File.join(RAILS_SPEC_TMP, "test-env-events.jsonl")
    result, = boot("EZLOGS_ENDPOINT" => "file://#{path}")
    expect(result).to be_success, result.stderr
    expect(JSON.parse(result.stdout, symbolize_names: true)).to eq(test_mode: false, captured: [])
    expect(File.readlines(path).map { |line| JSON.parse(line)["action"] }).to eq(["user.created"])
  end

  it "leaves other environments delivering" do
    result, = boot("RAILS_ENV" => "development")
    expect(result).to be_success, result.stderr
    expect(JSON.parse(result.stdout, symbolize_names: true)).to eq(test_mode: false, captured: [])
  end
end
