# frozen_string_literal: true

# What a developer sees in the Rails log: one boot line saying where events
# go, and the flows printed as they are logged (redacted), whether or not a
# collector answers.
RSpec.describe "Debug output and the boot line in the Rails log" do
  # Boots the dummy app with its log on stdout, sends PATCH /users/123 (a
  # record change whose job sends a mail, run inline), then prints the
  # agent's counters as the last line.
  let(:script) do
    <<~RUBY
      require "./spec/dummy/config/environment"
      ActiveRecord::Migration.verbose = false
      load "spec/dummy/db/schema.rb"
      ActiveRecord::Base.connection.insert_fixture({ id: 123, name: "Ada", email: "old@example.com",
                                                     created_at: Time.now, updated_at: Time.now }, "users")
      env = Rack::MockRequest.env_for("http://localhost/users/123", "HTTP_HOST" => "localhost", method: "PATCH",
                                      params: { user: { email: "ada@example.com" } })
      _, _, body = Rails.application.call(env)
      body.close
      puts JSON.generate(EzlogsRubyAgent.metrics.slice(:events_captured, :events_delivered, :connections_opened))
    RUBY
  end

  def boot(env)
    database = File.join(RAILS_SPEC_TMP, "debug-#{env.hash.abs}.sqlite3")
    run_ruby(script, env: { "DUMMY_LOG_TO_STDOUT" => "1", "DUMMY_JOB_ADAPTER" => "inline",
                            "DUMMY_DATABASE" => database, "REDIS_URL" => REDIS.url }.merge(env))
  end

  # The lines the agent wrote, without the logger's prefix.
  def agent_lines(stdout)
    stdout.lines.map { |line| line.sub(/\A[A-Z], \[[^\]]*\]\s+\w+ -- : /, "").chomp }
          .select { |line| line.start_with?("[ezlogs", "  ") && !line.strip.start_with?("Rendered", "Parameters") }
  end

  it "prints each request as a flow tree in development when no endpoint is set, and sends nothing" do
    result = boot("RAILS_ENV" => "development")
    expect(result).to be_success, result.stderr
    lines = agent_lines(result.stdout)
    expect(lines.first).to eq(
      "[ezlogs_ruby_agent] on (dummy-shop, development): events are printed to this log, not sent " \
      "(set delivery.endpoint or EZLOGS_ENDPOINT to send them); " \
      "trackers: http, active_record, active_job, sidekiq, mail, custom"
    )
    tree = lines.drop(1).map do |line|
      line.sub(/\s+\[evt_[\w-]+\]\z/, "").sub(/job \h{8}-[\h-]+/, "job ID").sub(/  \d+\.\d ms\z/, "  N ms")
    end
    expect(tree).to eq([
                         "[ezlogs] flow #{lines[1][/flow_\S+/]} (7 events)",
                         "  http.request  PATCH /users/123  user 123  200  N ms",
                         "    data.change  user.updated  user 123",
                         "    job.enqueue  ReceiptJob.enqueued  job ID",
                         "      job.execution  ReceiptJob.completed  job ID  N ms",
                         "        job.enqueue  ActionMailer::MailDeliveryJob.enqueued  job ID",
                         "          job.execution  ActionMailer::MailDeliveryJob.completed  job ID  N ms",
                         "            mail.delivery  ReceiptMailer#receipt  mailer ReceiptMailer"
                       ])
    counters = JSON.parse(result.stdout.lines.last, symbolize_names: true)
    expect(counters).to eq(events_captured: 7, events_delivered: 7, connections_opened: 0)
  end

  it "prints one line per event with EZLOGS_DEBUG=compact, while delivering to the endpoint the app chose" do
    path = File.join(RAILS_SPEC_TMP, "debug-compact.jsonl")
    result = boot("RAILS_ENV" => "production", "EZLOGS_DEBUG" => "compact", "EZLOGS_ENDPOINT" => "file://#{path}")
    expect(result).to be_success, result.stderr
    lines = agent_lines(result.stdout)
    expect(lines.first).to eq("[ezlogs_ruby_agent] on (dummy-shop, production): events go to file://#{path}; " \
                              "trackers: http, active_record, active_job, sidekiq, mail, custom; " \
                              "debug output: compact")
    sent = File.readlines(path).map { |line| JSON.parse(line, symbolize_names: true) }
    expected = sent.map do |event|
      "[ezlogs] #{EzlogsRubyAgent::FlowTree.line(event)}  flow #{event.dig(:correlation, :flow_id)}"
    end
    expect(lines.drop(1)).to eq(expected)
    expect(sent.size).to eq(7)
  end

  # Development renders an error page itself (DebugExceptions), and notes
  # nothing in the env as ShowExceptions does in production.
  it "records in development an error raised before any controller ran, as in production" do
    script = <<~RUBY
      require "./spec/dummy/config/environment"
      Rails.application.config.consider_all_requests_local = true # as config/environments/development.rb sets it
      env = Rack::MockRequest.env_for("http://localhost/users/123", "HTTP_HOST" => "localhost")
                             .merge("QUERY_STRING" => "password=hunter2&x=%zz")
      errors = EzlogsRubyAgent.test_mode do
        status, _, body = Rails.application.call(env)
        body.close
        EzlogsRubyAgent.captured_events.map { |entry| [status, entry[:event][:metadata][:error]] }
      end
      puts JSON.generate(errors)
    RUBY
    result = run_ruby(script, env: { "RAILS_ENV" => "development", "DUMMY_SHOW_EXCEPTIONS" => "true",
                                     "REDIS_URL" => REDIS.url,
                                     "DUMMY_DATABASE" => File.join(RAILS_SPEC_TMP, "debug-raised.sqlite3") })
    expect(result).to be_success, result.stderr
    (status, error), = JSON.parse(result.stdout.lines.last, symbolize_names: true)
    expect(status).to eq(400)
    expect(error).to include(class: "ActionController::BadRequest", message: end_with("[FILTERED]"))
  end

  # `rails server` shows the log in its terminal only from after the app
  # has booted; the log file has the line in any case.
  it "writes the boot line in the terminal of rails server in development, once, whether the log goes there or not" do
    lines = [{}, { "DUMMY_LOG_TO_STDOUT" => "1" }].map do |env|
      terminal = rails_server(env.merge("REDIS_URL" => REDIS.url,
                                        "DUMMY_DATABASE" => File.join(RAILS_SPEC_TMP, "debug-server.sqlite3")))
      terminal.lines.grep(/\[ezlogs_ruby_agent\]/).map { |line| line.sub(/\A.* -- : /, "").chomp }
    end
    expected = "[ezlogs_ruby_agent] on (dummy-shop, development): events are printed to this log, not sent " \
               "(set delivery.endpoint or EZLOGS_ENDPOINT to send them); " \
               "trackers: http, active_record, active_job, sidekiq, mail, custom"
    expect(lines).to eq([[expected], [expected]])
  end

  # What `bin/rails server -e development` prints until Puma listens, and
  # then when stopped with Ctrl-C.
  def rails_server(env)
    app_path = File.join(Subprocess::ROOT, "spec/dummy/config/application")
    command = [RbConfig.ruby, "-I", "#{Subprocess::ROOT}/lib", "-e",
               "APP_PATH = #{app_path.inspect}; require 'rails/commands'",
               "server", "-e", "development", "-b", "127.0.0.1", "-p", "0"]
    outside_bundle do
      Open3.popen2e(env, *command, chdir: Subprocess::ROOT, pgroup: true) do |stdin, output, waiter|
        stdin.close
        watchdog = kill_group_after(60, waiter.pid)
        printed_until_stopped(output, waiter.pid).tap { watchdog.kill }
      end
    end
  end

  def printed_until_stopped(output, pid)
    printed = +""
    printed << output.gets.to_s until printed.include?("Use Ctrl-C to stop") || output.eof?
    Process.kill("INT", pid)
    printed << output.read
  end

  it "names the trackers of the frameworks the app loaded, as ezlogs:doctor does" do
    hide_const("ActionMailer")
    hide_const("Sidekiq")

    expect(EzlogsRubyAgent::BootLine.text).to end_with("trackers: http, active_record, active_job, custom")
    verdicts = EzlogsRubyAgent::Doctor.new(out: StringIO.new).send(:trackers).map(&:text)
    expect(verdicts).to include("tracker active_record: on, installed",
                                "tracker mail: on (mail is not loaded in this app)",
                                "tracker sidekiq: on (sidekiq is not loaded in this app)")
  end

  it "says in the test environment that events are captured, and that the agent is off when it is" do
    captured = boot("RAILS_ENV" => "test")
    expect(agent_lines(captured.stdout).first).to start_with(
      "[ezlogs_ruby_agent] on (dummy-shop, test): events are captured in memory (captured_events), not sent;"
    )
    off = boot("RAILS_ENV" => "test", "DUMMY_AGENT_OFF" => "1")
    expect(agent_lines(off.stdout)).to eq(["[ezlogs_ruby_agent] off (enabled = false): nothing is recorded"])
    # The line names the switch the app used.
    off_by_env = boot("RAILS_ENV" => "test", "EZLOGS_ENABLED" => "false")
    expect(agent_lines(off_by_env.stdout)).to eq(
      ["[ezlogs_ruby_agent] off (EZLOGS_ENABLED=false): nothing is recorded"]
    )
  end

  # Nothing is amiss: the note goes to the log, and a test run's terminal
  # stays quiet. It matters only to an agent that filters events.
  it "notes in the log, with the boot line, that a Proc filter is applied in Ruby, only when the agent is on" do
    proc_filter = "[ezlogs_ruby_agent] filter_parameters has a Proc (spec/dummy/config/application.rb:"
    on = boot("RAILS_ENV" => "test", "DUMMY_PROC_FILTER" => "1")
    off = boot("RAILS_ENV" => "test", "DUMMY_PROC_FILTER" => "1", "EZLOGS_ENABLED" => "false")

    expect([on, off]).to all(be_success)
    expect(agent_lines(on.stdout).first(2)).to match([start_with("[ezlogs_ruby_agent] on (dummy-shop, test)"),
                                                      start_with(proc_filter)])
    expect(agent_lines(off.stdout)).to eq(["[ezlogs_ruby_agent] off (EZLOGS_ENABLED=false): nothing is recorded"])
    expect([on.stderr, off.stderr]).to all(satisfy { |stderr| !stderr.include?("ezlogs") })
  end
end
