# frozen_string_literal: true

# `rake ezlogs:doctor` and `rake ezlogs:test_event`, run as an app runs
# them (the tasks come from the Railtie), against a collector on loopback
# that takes events, one that is down, and one that rejects them.
RSpec.describe "rake ezlogs:doctor" do
  let(:collector) { Collector.new }

  after { collector.stop }

  def rake(task, env = {})
    script = <<~RUBY
      require "./spec/dummy/config/environment"
      Rails.application.load_tasks
      Rake::Task[#{task.inspect}].invoke
    RUBY
    database = File.join(RAILS_SPEC_TMP, "doctor.sqlite3")
    run_ruby(script, env: { "RAILS_ENV" => "production", "DUMMY_DATABASE" => database,
                            "REDIS_URL" => REDIS.url }.merge(env))
  end

  it "says everything is in order with a live collector, which gets the test event" do
    took = /\Aok    endpoint #{Regexp.escape(collector.url)} took a test event \(evt_\S+\): it answered HTTP 200\z/
    result = rake("ezlogs:doctor", "EZLOGS_ENDPOINT" => collector.url)
    expect(result).to be_success, result.stdout + result.stderr
    lines = result.stdout.lines.map(&:chomp)
    expect(lines.map { |line| line[/\A\S+/] }.uniq).to eq(["ok"])
    expect(lines).to include(
      a_string_matching(/\Aok    native extension: loaded \(.*ezlogs_ruby_agent\.so, built .*\), version /),
      "ok    configuration: service dummy-shop, environment production, sample_rate 1.0, debug output off",
      *%w[http active_record active_job sidekiq mail custom].map do |tracker|
        "ok    tracker #{tracker}: on, installed"
      end,
      "ok    endpoint host 127.0.0.1 resolves to 127.0.0.1",
      a_string_matching(took),
      "ok    spool: off (delivery.spool_dir not set): events still undelivered at exit are lost, and counted"
    )
    sent = collector.events.map { |event| event.values_at("event_type", "action", "event_id") }
    expect(sent).to eq([["ezlogs.doctor", "test_event", result.stdout[/took a test event \((evt_\S+)\)/, 1]]])
  end

  it "fails on a collector that is down, and on one that rejects the events, with the answer and the fix" do
    port = collector.port
    collector.stop
    down = rake("ezlogs:doctor", "EZLOGS_ENDPOINT" => "http://127.0.0.1:#{port}/events")
    expect(down.status.exitstatus).to eq(1)
    expect(down.stdout).to match(
      %r{^FAIL  endpoint http://127\.0\.0\.1:#{port}/events did not take a test event \(evt_\S+\): .*Connection refused}
    )
    expect(down.stdout).to include(
      "The event stays queued: the exit line on stderr counts it if it is still not delivered\n      " \
      "fix: start the collector there, or correct EZLOGS_ENDPOINT to name it\n"
    )
    # The fix names the setting that named the endpoint.
    otel = rake("ezlogs:doctor", "OTEL_EXPORTER_OTLP_ENDPOINT" => "http://127.0.0.1:#{port}")
    expect(otel.stdout).to match(%r{^FAIL  endpoint otlp\+http://127\.0\.0\.1:#{port}/v1/logs did not take a test})
    expect(otel.stdout).to include("fix: start the collector there, or correct OTEL_EXPORTER_OTLP_ENDPOINT to name " \
                                   "it\n")

    rejecting = Collector.new
    rejecting.fail_next(1, status: 401)
    result = rake("ezlogs:test_event", "EZLOGS_ENDPOINT" => rejecting.url)
    rejecting.stop
    expect(result.status.exitstatus).to eq(1)
    rejected = /\AFAIL  endpoint .* did not take a test event .*: collector answered HTTP 401 Unauthorized: /
    dropped = /\. The event was dropped, counted in metrics\[:events_dropped\]\[:rejected\]\z/
    fix = "      fix: check delivery.api_key and delivery.headers against what the collector expects"
    expect(result.stdout.lines.map(&:chomp)).to match([a_string_matching(rejected).and(matching(dropped)), fix])
  end

  it "says that the agent is off, by the switch the app used, and that no tracker runs then" do
    result = rake("ezlogs:doctor", "EZLOGS_ENABLED" => "false")

    expect(result.status.exitstatus).to eq(1)
    lines = result.stdout.lines.map(&:chomp)
    expect(lines).to include("FAIL  configuration: the agent is off (EZLOGS_ENABLED=false), nothing is recorded")
    trackers = lines.grep(/\A\S+\s+tracker /)
    expect(trackers).not_to be_empty
    expect(trackers).to all(end_with(": off, as the whole agent is"))
  end

  it "says where events go when nothing is sent, and finds a spool directory it cannot write" do
    file = File.join(RAILS_SPEC_TMP, "a-file")
    File.write(file, "")
    result = rake("ezlogs:doctor", "RAILS_ENV" => "development", "DUMMY_SPOOL_DIR" => "#{file}/spool")
    expect(result.status.exitstatus).to eq(1)
    expect(result.stdout).to include(
      "was printed to the Rails log (log://); nothing is sent. " \
      "Set delivery.endpoint or EZLOGS_ENDPOINT to send events to a collector\n",
      "FAIL  spool: #{file}/spool is not writable (EEXIST: File exists @ dir_s_mkdir - #{file})\n      " \
      "fix: create it writable by the app's user, or point delivery.spool_dir elsewhere\n"
    )
  end
end
