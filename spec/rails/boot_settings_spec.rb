# frozen_string_literal: true

# Rails settings that Rails accepts and the native core cannot use must
# never stop the app from booting: the dummy app boots in a fresh process
# with them, says once what the agent does about them, and its events
# honour them as Rails does.
RSpec.describe "Booting with Rails settings the native core cannot use" do
  let(:other_redis_db) { REDIS.url.sub(%r{/0\z}, "/1") }
  let(:hex_key) { "ab" * 16 }

  # PROXIES: "list" replaces Rails' default proxies, "single" is added to
  # them. Two requests come through a proxy at 203.0.113.7 that a
  # private-network hop forwarded to: one routed to a controller, one
  # answered before Rails' RemoteIp (by HostAuthorization).
  let(:script) do
    <<~'RUBY'
      require "./spec/dummy/config/application"
      trusted = /\A203\.0\.113\.\d+\z/
      # Rails 7 takes the defaults and a proxy only as a list.
      single = Rails::VERSION::MAJOR >= 7 ? [trusted, *ActionDispatch::RemoteIp::TRUSTED_PROXIES] : trusted
      Rails.application.config.action_dispatch.trusted_proxies = ENV["PROXIES"] == "list" ? [trusted] : single
      Rails.application.config.filter_parameters += [/pin(?!_hint)/, /pin\Z/, /\h{32}/]
      if ENV["BAD_PATTERN"]
        # A pattern the core refuses, slipped past the setter's check once the
        # app's initializers have run: the Railtie's own configure is the
        # first to hand it to the core, which refuses it.
        Rails.application.initializer("bad_pattern", after: :load_config_initializers) do
          EzlogsRubyAgent.config.security.instance_variable_set(:@native_pii_patterns, [["odd", "a(?=b)"]])
        end
      end
      require "./spec/dummy/config/environment"

      ActiveRecord::Migration.verbose = false
      load "spec/dummy/db/schema.rb"
      ActiveRecord::Base.connection.execute(
        "INSERT INTO users (id, name, email, created_at, updated_at) VALUES (123, 'Ada', 'a@example.com', 0, 0)"
      )
      proxied = { "REMOTE_ADDR" => "203.0.113.7", "HTTP_X_FORWARDED_FOR" => "198.51.100.7, 10.0.0.2" }
      query = "pin=pin-1234&pin_hint=birthday&old_pin=old-pin-9999&#{"ab" * 16}=hex-t0ken"
      EzlogsRubyAgent.test_mode do
        [{ "HTTP_HOST" => "example.org" }, { "HTTP_HOST" => "attacker.test" }].each do |host|
          _status, _headers, body = Rails.application.call(Rack::MockRequest.env_for("/users/123?#{query}",
                                                                                     **proxied, **host))
          body.close if body.respond_to?(:close)
        end
        GuardedJob.perform_later({ "pin" => "pin-1234", "pin_hint" => "birthday", "old_pin" => "old-pin-9999" })
        puts JSON.generate(EzlogsRubyAgent.captured_events.map { |entry| entry[:event] })
      end
    RUBY
  end

  def boot(proxies, env = {})
    database = File.join(RAILS_SPEC_TMP, "boot-#{proxies}.sqlite3")
    result = run_ruby(script, env: { "PROXIES" => proxies, "DUMMY_JOB_ADAPTER" => "inline",
                                     "DUMMY_DATABASE" => database, "REDIS_URL" => other_redis_db,
                                     "RAILS_ENV" => "test", **env })
    expect(result).to be_success, result.stderr
    [JSON.parse(result.stdout.lines.last, symbolize_names: true), result.stderr, result.stdout]
  end

  def requests(events)
    events.select { |event| event[:event_type] == "http.request" }
  end

  it "boots with Regexps Rust's engine lacks in filter_parameters, notes them in the log once, and honours them" do
    events, stderr, log = boot("single", "DUMMY_LOG_TO_STDOUT" => "1")

    { "/pin(?!_hint)/" => "look-around", "/pin\\Z/" => "the escape \\Z" }.each do |filter, why|
      expect(stderr).not_to include(filter)
      reports = log.lines.grep(/filter_parameters #{Regexp.escape(filter)} uses syntax/)
      expect(reports.size).to eq(1), log
      expect(reports.first).to include("the native matcher does not support (#{why}",
                                       "it is applied with Rails' ParameterFilter on the app's threads")
    end
    # Rails filtered the routed request's params; the agent filtered the
    # query of the other as Rails would have. /\h{32}/, written for Rust
    # as [0-9a-fA-F]{32}, is matched by the native redactor.
    routed, answered_early = requests(events).map { |event| event[:metadata] }
    expect(routed).to include(status: 200, params: include(pin: "[FILTERED]", pin_hint: "birthday",
                                                           old_pin: "[FILTERED]", hex_key.to_sym => "[REDACTED]"))
    expect(answered_early).to include(status: 403, params: { pin: "[FILTERED]", pin_hint: "birthday",
                                                             old_pin: "[FILTERED]", hex_key.to_sym => "[REDACTED]" })
    jobs = events.select { |event| event[:event_type].start_with?("job.") }
    expect(jobs.map { |job| job[:metadata][:arguments] }).to eq(
      [[{ pin: "[REDACTED]", pin_hint: "birthday", old_pin: "[REDACTED]" }]] * 2
    )
    # Values no duration or id in an event could spell by chance.
    expect(JSON.generate(events)).not_to include("pin-1234", "old-pin-9999", "hex-t0ken")
    # A Regexp added to the default proxies: 203.0.113.7 and 10.0.0.2 are
    # trusted, by Rails' RemoteIp and, before it, by the agent alike.
    expect(requests(events).map { |event| event[:metadata][:ip] }).to eq(["198.51.100.7"] * 2)
    expect(stderr.lines.grep(/trusted_proxies/).size).to eq(1), stderr
  end

  it "boots with a list of Regexps as trusted_proxies, which replaces Rails' defaults" do
    events, stderr = boot("list", "BAD_PATTERN" => "1")

    # 10.0.0.2 is no longer trusted: it is the client.
    expect(requests(events).map { |event| event[:metadata][:ip] }).to eq(["10.0.0.2"] * 2)
    expect(stderr.lines.grep(/trusted_proxies/)).to eq(
      ["[ezlogs_ruby_agent] action_dispatch.trusted_proxies /\\A203\\.0\\.113\\.\\d+\\z/: the native core cannot " \
       "match this as Rails does; the client IP is the one Rails' RemoteIp works out\n"]
    )
    # Whatever else fails when the Railtie configures the agent after the
    # app's initializers is reported, and the boot goes on.
    failures = stderr.lines.grep(/configuring with the app's Rails settings failed/)
    expect(failures.size).to eq(1), stderr
    expect(failures.first).to include("security.custom_pii_patterns[odd]")
    expect(stderr).to include("look-around", "the settings configured before stay in force")
  end
  # 0.1.19 took any value in its configure block: an upgraded initializer
  # must still boot. The agent is off: the block's later settings (its
  # filters, say) were not made.
  it "boots an app whose initializer sets a value the agent refuses, with the agent off until it is corrected" do
    script = <<~'RUBY'
      require "./spec/dummy/config/application"
      Rails.application.initializer("refused_setting", after: :load_config_initializers) do
        EzlogsRubyAgent.configure do |c|
          c.service_name = "refusing-shop"
          c.performance.sample_rate = ENV.fetch("EZLOGS_SAMPLE", "0.5")
        end
      end
      require "./spec/dummy/config/environment"
      ActiveRecord::Migration.verbose = false
      load "spec/dummy/db/schema.rb"
      EzlogsRubyAgent.test_mode do
        Account.create!(name: "Acme")
        print JSON.generate([EzlogsRubyAgent::BootLine.text, EzlogsRubyAgent.captured_events.size])
      end
    RUBY
    result = run_ruby(script, env: { "DUMMY_DATABASE" => File.join(RAILS_SPEC_TMP, "boot-refused.sqlite3"),
                                     "DUMMY_JOB_ADAPTER" => "inline", "REDIS_URL" => other_redis_db,
                                     "RAILS_ENV" => "test" })

    expect(result).to be_success, result.stderr
    expect(JSON.parse(result.stdout)).to eq(["[ezlogs_ruby_agent] off (performance.sample_rate was refused: see " \
                                             "stderr): nothing is recorded", 0])
    expect(result.stderr.lines.grep(/ezlogs/)).to match(
      [start_with('[ezlogs_ruby_agent] performance.sample_rate must be a number from 0.0 to 1.0, got "0.5" (-e:5)')]
    )
  end
end
