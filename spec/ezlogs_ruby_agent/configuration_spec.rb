# frozen_string_literal: true

RSpec.describe EzlogsRubyAgent::Configuration do
  subject(:config) { described_class.new }

  it "has the documented defaults" do
    expect(config).to have_attributes(environment: ENV["EZLOGS_ENVIRONMENT"] || ENV["RAILS_ENV"] || ENV["RACK_ENV"] ||
                                                   "development",
                                      service_name: File.basename(Dir.pwd), included_resources: [],
                                      excluded_resources: [], actor_extractor: nil,
                                      job_adapter: config.detect_job_adapter)
    expect(config.instrumentation).to have_attributes(http: true, active_record: true, active_job: true,
                                                      sidekiq: true, custom: true)
    expect(config.security).to have_attributes(
      auto_detect_pii: true, sensitive_fields: [],
      custom_pii_patterns: {}, max_event_size: 1_048_576
    )
    expect(config.security.redacted_headers).to include("Authorization", "Cookie", "X-Api-Key")
    expect(config.performance).to have_attributes(sample_rate: 1.0, event_buffer_size: 10_000)
    expect(config.delivery).to have_attributes(
      endpoint: "http://127.0.0.1:9000/events", retry_attempts: 3, batch_size: 100, flush_interval: 5.0,
      headers: {}, circuit_breaker_threshold: 5, circuit_breaker_timeout: 60, shutdown_timeout: 5.0
    )
    expect(config.correlation).to have_attributes(enable_correlation: true, max_correlation_depth: 20)
  end

  it "takes service, environment and endpoint from the environment" do
    with_env("EZLOGS_SERVICE_NAME" => "billing", "EZLOGS_ENVIRONMENT" => "staging",
             "EZLOGS_ENDPOINT" => "file:///tmp/x.jsonl") do
      expect(described_class.new).to have_attributes(service_name: "billing", environment: "staging")
      expect(described_class.new.delivery.endpoint).to eq("file:///tmp/x.jsonl")
    end
  end

  it "gives every group a block form" do
    described_class::GROUPS.each do |group|
      yielded = nil
      returned = config.public_send(group) { |settings| yielded = settings }
      expect(yielded).to be(returned)
    end
    config.delivery { |d| d.batch_size = 7 }
    expect(config.delivery.batch_size).to eq(7)
  end

  it "keeps the switches the trackers read as the app turns them, by any of their names" do
    expect(config.switches).to eq(described_class::Instrumentation::SWITCHES.to_h { |switch| [switch, true] })
    config.instrumentation.http = false
    config.instrumentation { |i| i.mail = false }
    config.collect { |c| c.background_jobs = false } # 0.1.19's names
    expect(config.switches).to eq(http: false, active_record: true, active_job: false, sidekiq: false, mail: false,
                                  custom: true)
    config.enabled = false
    expect(config.switches.values.uniq).to eq([false])
    config.enabled = true
    expect(config.switches).to include(http: false, active_record: true)
    with_env("EZLOGS_ENABLED" => "off") { expect(described_class.new.switches.values.uniq).to eq([false]) }
  end

  it "answers Tracking.enabled? from the configuration in force" do
    EzlogsRubyAgent.config.instrumentation.mail = false
    expect([EzlogsRubyAgent::Tracking.enabled?(:mail), EzlogsRubyAgent::Tracking.enabled?(:http)]).to eq([false, true])
    EzlogsRubyAgent.reset_configuration
    expect(EzlogsRubyAgent::Tracking.enabled?(:mail)).to be(true)
  end

  it "rejects bad values with a message naming the option and what it takes" do
    {
      -> { config.delivery.endpoint = "ftp://x" } => %r{delivery.endpoint must start with one of http://},
      -> { config.delivery.batch_size = 0 } => /delivery.batch_size must be a positive Integer, got 0/,
      -> { config.delivery.flush_interval = -1 } => /delivery.flush_interval must be a finite number above 0, got -1/,
      -> { config.delivery.headers = "x" } => /delivery.headers must be a Hash/,
      -> { config.performance.sample_rate = 1.5 } => /sample_rate must be a number from 0.0 to 1.0/,
      -> { config.performance.event_buffer_size = 0 } => /event_buffer_size must be a positive Integer/,
      -> { config.security.max_event_size = 10 } => /max_event_size must be an Integer of at least 1024/,
      -> { config.security.custom_pii_patterns = { a: "x" } } => /custom_pii_patterns must be a Hash of name => Regexp/,
      -> { config.correlation.max_correlation_depth = 0 } => /max_correlation_depth must be a positive Integer/,
      -> { config.actor_extractor = "x" } => /actor_extractor must respond to #call/,
      -> { config.excluded_resources = [1] } => /excluded_resources takes model classes, Strings or Regexps, got 1/,
      -> { config.delivery.endpoint = "http://" } => %r{delivery.endpoint "http://" names no host},
      -> { config.delivery.endpoint = "file://" } => %r{delivery.endpoint "file://" names no path},
      -> { config.delivery.endpoint = "http://a b" } => /is not a valid URL/,
      -> { config.delivery.endpoint = "http://c:99999/" } => %r{"http://c:99999/" has a port out of range \(99999\)},
      -> { config.delivery.endpoint = "https://c:0/" } => %r{"https://c:0/" has a port out of range \(0\)},
      -> { config.delivery.api_key = "k\nv" } => /delivery.api_key must not contain line breaks/,
      -> { config.delivery.headers = { "X Id" => "1" } } => /delivery.headers: the header name "X..." is not valid/,
      -> { config.delivery.headers = { "X-Id" => "1\r\nEvil: 1" } } => /delivery.headers\["X-Id"\] must not contain/,
      -> { config.delivery.retry_attempts = -1 } => /delivery.retry_attempts must be an Integer of 0 or more, got -1/,
      -> { config.delivery.timeout = 0 } => /delivery.timeout must be a finite number above 0/,
      -> { config.delivery.shutdown_timeout = Float::INFINITY } => /shutdown_timeout must be a finite number above 0/,
      -> { config.delivery.retry_backoff = Float::NAN } => /retry_backoff must be a finite number of 0 or more/,
      -> { config.delivery.spool_dir = "~nosuchuser-ezlogs/spool" } => /spool_dir "~nosuchuser-ezlogs.*" cannot be/,
      -> { config.delivery.endpoint = "file://~nosuchuser-ezlogs/e" } => /endpoint "file:.*" cannot be made absolute/,
      -> { config.instrumentation.custom = "false" } => /instrumentation.custom must be true or false, got "false"/,
      -> { config.performance.enable_compression = nil } => /enable_compression must be true or false, got nil/,
      -> { config.correlation.enable_correlation = 1 } => /enable_correlation must be true or false/,
      -> { config.service_name = 1 } => /service_name must be a non-empty String, got 1/,
      -> { config.environment = 5 } => /environment must be a non-empty String, got 5/,
      # Bytes that are not UTF-8 (a key read from a binary file): String's
      # own methods would raise ArgumentError, naming no option.
      -> { config.delivery.api_key = (+"k\xFF").force_encoding("UTF-8") } => /delivery.api_key is not valid UTF-8 text/,
      -> { config.delivery.endpoint = (+"http://\xFF").force_encoding("UTF-8") } => /delivery.endpoint is not valid/,
      -> { config.service_name = (+"shop\xFF").force_encoding("UTF-8") } => /service_name is not valid UTF-8 text/
    }.each do |assignment, message|
      expect(&assignment).to raise_error(EzlogsRubyAgent::ConfigurationError, message)
    end
  end

  it "drops the line break a secret read from a file ends with" do
    config.delivery.api_key = "s3cret\n"
    config.delivery.headers = { "X-Tenant" => " acme\n" }
    expect(config.delivery.api_key).to eq("s3cret")
    expect(config.delivery.headers).to eq("X-Tenant" => "acme")
  end

  it "names the service after the Rails application even when the gem loaded first, ignoring blank variables" do
    result = run_ruby(<<~RUBY, env: { "EZLOGS_SERVICE_NAME" => " " })
      require "ezlogs_ruby_agent"
      require "rails"
      module ShopFront
        class Application < Rails::Application; end
      end
      print EzlogsRubyAgent.config.service_name
    RUBY
    expect(result.stdout).to eq("shop_front"), result.stderr
  end

  it "boots with a bad EZLOGS_ENDPOINT, saying why, and sends to the default endpoint" do
    script = 'require "ezlogs_ruby_agent"; print EzlogsRubyAgent.config.delivery.endpoint'
    bad = run_ruby(script, env: { "EZLOGS_ENDPOINT" => "collector:9000" })
    blank = run_ruby(script, env: { "EZLOGS_ENDPOINT" => "" })
    no_user = run_ruby(script, env: { "EZLOGS_ENDPOINT" => "file://~nosuchuser-ezlogs/events.jsonl" })
    # A byte that is not text (any variable the agent reads): reported, and no setting.
    not_text = run_ruby(script, env: { "EZLOGS_ENDPOINT" => "http://a\xFF:1/e",
                                       "OTEL_EXPORTER_OTLP_ENDPOINT" => "http://b\xFF:4318" })

    expect([bad.stdout, blank.stdout, no_user.stdout, not_text.stdout]).to all(eq("http://127.0.0.1:9000/events"))
    expect(not_text.stderr).to match(/EZLOGS_ENDPOINT is not valid \S+ text; EZLOGS_ENDPOINT is ignored/)
      .and match(/OTEL_EXPORTER_OTLP_ENDPOINT is not valid \S+ text; OTEL_EXPORTER_OTLP_ENDPOINT is ignored/)
    expect(bad.stderr).to include("EZLOGS_ENDPOINT must start with one of http://, https://, otlp+http://, " \
                                  "otlp+https://, file://, stdout://, memory://, log://, got \"collector:9000\"",
                                  "EZLOGS_ENDPOINT is ignored: events go where they go with no endpoint set")
    expect(no_user.stderr).to include('EZLOGS_ENDPOINT "file://~nosuchuser-ezlogs/events.jsonl" cannot be made ' \
                                      "absolute (user nosuchuser-ezlogs doesn't exist)")
    expect(blank.stderr).to be_empty
  end

  it "accepts performance.enable_async and job_adapter, and says once that they have no effect" do
    output = quietly do
      2.times do
        config.performance.enable_async = false
        config.job_adapter = :sidekiq
      end
    end
    expect(output.lines).to eq([
                                 "[ezlogs_ruby_agent] performance.enable_async has no effect; events always go to " \
                                 "a background thread, so the app never waits on delivery; remove the setting\n",
                                 "[ezlogs_ruby_agent] job_adapter has no effect; ActiveJob and Sidekiq jobs are each " \
                                 "tracked when loaded; turn one off with instrumentation.active_job or " \
                                 "instrumentation.sidekiq = false\n"
                               ])
    expect([config.performance.enable_async, config.job_adapter]).to eq([false, :sidekiq])
  end

  it "names a misspelt or unknown option, suggests the closest valid one, and lists its group's" do
    message_of = lambda do |assignment|
      assignment.call
    rescue EzlogsRubyAgent::ConfigurationError => e
      e.message
    end
    expect(message_of.call(-> { config.servce_name = "shop" })).to start_with(
      "servce_name is not an option of ezlogs_ruby_agent. Did you mean service_name? " \
      "The options of the configuration: actor_extractor, correlation, debug_format, debug_mode, delivery,"
    )
    {
      -> { config.delivery.endpont = "http://x" } =>
        "delivery.endpont is not an option of ezlogs_ruby_agent. Did you mean delivery.endpoint? " \
        "The options of delivery: api_key,",
      -> { config.active_reccord = false } => "Did you mean instrumentation.active_record?",
      -> { config.instrumentation.action_mailer = false } => "Did you mean instrumentation.mail?",
      -> { config.tracing { nil } } => "tracing is not an option of ezlogs_ruby_agent. The options of the " \
                                       "configuration: actor_extractor,",
      -> { config.logging } => "logging is not an option"
    }.each do |assignment, message|
      expect(message_of.call(assignment)).to include(message)
    end
    # What Ruby and libraries probe for stays a plain NoMethodError.
    expect([config].flatten).to eq([config])
    expect(config).not_to respond_to(:tracing)
  end

  # An initializer the agent refuses must not stop the app: a 0.1.19 one
  # took any value (`ENV.fetch("EZLOGS_TIMEOUT", "30")`) and any name. The
  # settings after it, which may be filters, were not made: it sends nothing.
  it "boots through a configure block it refuses, saying what, where and how to fix, and turns itself off" do
    result = run_ruby(<<~RUBY)
      require "ezlogs_ruby_agent"
      EzlogsRubyAgent.configure do |c|
        c.service_name = "shop"
        c.delivery.timeout = ENV.fetch("EZLOGS_TIMEOUT", "30")
        c.environment = "staging"
      end
      EzlogsRubyAgent.configure { |c| c.delivery.endpont = "http://collector.internal/events" }
      print [EzlogsRubyAgent.config.service_name, EzlogsRubyAgent.config.environment,
             EzlogsRubyAgent.config.delivery.timeout, EzlogsRubyAgent.config.off_switch,
             EzlogsRubyAgent.log_event(event_type: "a.b", action: "x", actor: { type: "u", id: 1 })].inspect
    RUBY

    expect(result).to be_success, result.stderr
    # The default timeout; no event.
    expect(result.stdout).to eq('["shop", "development", 10, "delivery.endpont was refused: see stderr", nil]')
    timeout = '[ezlogs_ruby_agent] delivery.timeout must be a finite number above 0, got "30" (-e:4); ' \
              "the rest of that configure block was not run, and the agent is off (it records and sends " \
              "nothing) until the setting is corrected"
    endpont = "[ezlogs_ruby_agent] delivery.endpont is not an option of ezlogs_ruby_agent. " \
              "Did you mean delivery.endpoint?"
    expect(result.stderr.lines).to match([start_with(timeout), start_with(endpont)])
  end

  it "records nothing, starts no thread and writes nothing with enabled = false (or EZLOGS_ENABLED=false)" do
    dir = Dir.mktmpdir("ezlogs-off")
    script = lambda do |name, setting|
      agent_script("c.delivery.endpoint = 'file://#{dir}/#{name}.jsonl'; #{setting}", <<~RUBY)
        threads = -> { Dir.children("/proc/self/task").size }
        before = threads.call
        id = emit(1)
        EzlogsRubyAgent.flush(timeout: 5)
        print [id.nil?, threads.call - before, EzlogsRubyAgent.metrics[:events_captured]].inspect
      RUBY
    end
    off = run_ruby(script.call("off", "c.enabled = false"))
    on = run_ruby(script.call("on", "c.enabled = true"))
    from_env = run_ruby(script.call("env", ""), env: { "EZLOGS_ENABLED" => "0" })

    expect(on.stdout).to eq("[false, 1, 1]"), on.stderr # the worker thread
    [off, from_env].each { |result| expect(result.stdout).to eq("[true, 0, 0]"), result.stderr }
    expect(Dir.children(dir)).to eq(["on.jsonl"])
  ensure
    FileUtils.rm_rf(dir)
  end

  it "accepts strings and regexps as resource patterns, the regexps made case-insensitive" do
    config.excluded_resources = ["AuditLog", /\ASecret/, Struct]
    expect(config.excluded_resources).to eq(["AuditLog", /\ASecret/i, "Struct"])
  end

  describe "EzlogsRubyAgent.configure" do
    it "yields the one configuration and hands it to the native core" do
      yielded = nil
      EzlogsRubyAgent.configure do |c|
        yielded = c
        c.service_name = "checkout"
        c.environment = "qa"
      end
      expect(yielded).to be(EzlogsRubyAgent.config)
      log
      expect(captured.last[:platform]).to include(service: "checkout", environment: "qa")
    end

    it "puts in force what a block set before it left early, so that the configuration says what the agent does" do
      expect do
        EzlogsRubyAgent.configure do |c|
          c.service_name = "checkout"
          raise ArgumentError, "the app's own mistake"
        end
      end.to raise_error(ArgumentError, "the app's own mistake")
      log
      expect(captured.last[:platform]).to include(service: "checkout")

      expect { EzlogsRubyAgent.configure { |c| c.service_name = "billing" and raise LoadError, "no dotenv" } }
        .to raise_error(LoadError)
      EzlogsRubyAgent.configure do |c|
        c.environment = "staging"
        break
      end
      log
      expect(captured.last[:platform]).to include(service: "billing", environment: "staging")
    end
  end

  it "takes a relative spool_dir or file:// path from where the app is when it sets it" do
    Dir.mktmpdir do |dir|
      Dir.chdir(dir) do
        config.delivery.spool_dir = "tmp/spool"
        config.delivery.endpoint = "file://log/events.jsonl"
      end
      expect(config.delivery.spool_dir).to eq(File.join(dir, "tmp/spool"))
      expect(config.delivery.endpoint).to eq("file://#{dir}/log/events.jsonl")
    end
  end
end
