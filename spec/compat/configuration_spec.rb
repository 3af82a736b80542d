# frozen_string_literal: true

# 0.1.19's configuration, written as its README, docs/*.md and examples/
# showed it (and the README of its v0.1.19 tag): every option is accepted,
# mapped onto its new equivalent, or said once to have no effect.
RSpec.describe "Upgrading from 0.1.19: configuration" do
  let(:config) { EzlogsRubyAgent.config }

  def configure_quietly(&)
    quietly { EzlogsRubyAgent.configure(&) }
  end

  it "maps each renamed option onto the option it became, in both directions" do
    output = configure_quietly do |c|
      c.collect do |collect|
        collect.http_requests = false
        collect.database_changes = false
        collect.background_jobs = false
        collect.resources_to_track = %w[User Order]
        collect.exclude_resources = %w[AuditLog]
      end
      c.security do |security|
        security.sanitize_fields = %w[pin]
        security.max_payload_size = 4096
        security.custom_patterns = { "employee_id" => /\bEMP-\d{6}\b/ }
      end
      c.performance do |perf|
        perf.buffer_size = 5000
        perf.flush_interval = 2.0
        perf.max_concurrent_connections = 4
      end
      c.delivery.circuit_breaker do |cb|
        cb.failure_threshold = 7
        cb.recovery_timeout = 90
      end
      c.correlation { |corr| corr.max_flow_depth = 12 }
    end

    expect(config.instrumentation).to have_attributes(http: false, active_record: false, active_job: false,
                                                      sidekiq: false, mail: true)
    expect([config.included_resources, config.excluded_resources]).to eq([%w[User Order], %w[AuditLog]])
    expect(config.security).to have_attributes(sensitive_fields: %w[pin], max_event_size: 4096,
                                               custom_pii_patterns: { "employee_id" => /\bEMP-\d{6}\b/ })
    expect(config.performance).to have_attributes(event_buffer_size: 5000, max_delivery_connections: 4)
    expect(config.delivery).to have_attributes(flush_interval: 2.0, circuit_breaker_threshold: 7,
                                               circuit_breaker_timeout: 90)
    expect(config.correlation.max_correlation_depth).to eq(12)
    # On a configuration of its own, a renamed option from another group
    # stays in it.
    other = EzlogsRubyAgent::Configuration.new
    other.performance.batch_size = 7
    expect([other.delivery.batch_size, config.delivery.batch_size]).to eq([7, 100])
    expect(config.security.excluded_resources).to eq(config.excluded_resources)
    expect(output.lines).to eq(["[ezlogs_ruby_agent] config.collect is the former name of " \
                                "config.instrumentation; write config.instrumentation\n"])
  end

  # Every such option is set in spec/compat/fixtures/initializer_0_1_19.rb,
  # which spec/compat/rails/initializer_spec.rb boots: one of each group here.
  it "accepts an option that has no effect now, says so once at configure, and names what to use" do
    output = configure_quietly do |c|
      2.times do
        c.correlation.thread_safe = true
        c.delivery.retry_status_codes = [500, 502, 503, 504]
        c.performance.connection_timeout = 30
        c.security.max_field_size = 1024
        c.included_fields = %w[id status]
      end
    end

    expect(output.lines).to eq(
      ["[ezlogs_ruby_agent] correlation.thread_safe has no effect; each thread and fiber always has its own " \
       "correlation context; remove the setting\n",
       "[ezlogs_ruby_agent] delivery.retry_status_codes has no effect; network errors, 408, 429 and 5xx answers " \
       "are retried, delivery.retry_attempts times, waiting delivery.retry_backoff seconds, doubled each time up " \
       "to 60 s, or as Retry-After says\n",
       "[ezlogs_ruby_agent] performance.connection_timeout has no effect; use delivery.timeout, which bounds " \
       "connecting and each request\n",
       "[ezlogs_ruby_agent] security.max_field_size has no effect; security.max_event_size bounds a whole event: " \
       "over it, the largest values are cut first\n",
       "[ezlogs_ruby_agent] included_fields has no effect; events carry the fields Rails gives; keep one out with " \
       "security.sensitive_fields (redacted) or Rails' filter_parameters\n"]
    )
    expect(config.delivery.retry_status_codes).to eq([500, 502, 503, 504])
    expect(config.validate!.warnings).to include("delivery.retry_status_codes has no effect",
                                                 "security.max_field_size has no effect")
  end

  it "gives the readers of options with no effect 0.1.19's defaults" do
    expect(config.correlation).to have_attributes(thread_safe: true, auto_generate_correlation_ids: true)
    expect(config.delivery).to have_attributes(local_agent: true, agent_health_check: true,
                                               agent_health_endpoint: "/health")
    expect(config.performance.enable_async).to be(true)
  end

  it "takes nil for service_name, environment, endpoint and a header as no choice: the defaults stay" do
    expect do
      EzlogsRubyAgent.configure do |c|
        c.service_name = nil
        c.environment = nil
        c.delivery.endpoint = ENV.fetch("EZLOGS_UNSET_ENDPOINT", nil)
        c.delivery.headers = { "X-API-Key" => ENV.fetch("EZLOGS_UNSET_API_KEY", nil), "X-Team" => "shop" }
      end
    end.not_to raise_error

    expect(config.service_name).to eq(File.basename(Dir.pwd))
    expect(config.environment).to eq(ENV.fetch("RAILS_ENV", ENV.fetch("RACK_ENV", "development")))
    expect(config.delivery.endpoint).to eq("http://127.0.0.1:9000/events")
    expect(config.delivery.endpoint_chosen?).to be(false)
    expect(config.delivery.headers).to eq("X-Team" => "shop")
  end

  it "runs a group block with no parameter on the group, as 0.1.19 did" do
    EzlogsRubyAgent.configure do |c|
      c.performance { self.sample_rate = 0.5 }
      c.delivery { self.timeout = 4 }
    end

    expect([config.performance.sample_rate, config.delivery.timeout]).to eq([0.5, 4])
  end

  it "keeps 0.1.19's public detect_* readers, and freeze! as a no-op that says so" do
    expect([config.detect_service_name, config.detect_environment]).to eq([config.service_name, config.environment])
    expect(config.detect_job_adapter).to eq(defined?(Sidekiq) ? :sidekiq : :active_job)
    expect(quietly { expect(config.freeze!).to be(config) }).to include("config.freeze! has no effect")
    config.delivery.timeout = 4
    expect(config.delivery.timeout).to eq(4)
  end

  it "keeps quick_setup, to_h and summary" do
    expect(config.quick_setup(service_name: "shop", environment: nil)).to be(config)
    expect(config.service_name).to eq("shop")
    config.delivery.api_key = "sk_live_secret"
    config.delivery.headers = { "X-API-Key" => "key_123" }

    expect(config.delivery.to_h).to include(timeout: 10, batch_size: 100, api_key: "[REDACTED]",
                                            headers: { "X-API-Key" => "[REDACTED]" })
    expect(config.to_h[:performance]).to include(sample_rate: 1.0)
    summary = config.summary
    expect(summary.lines.first).to eq("=== EZLogs Configuration Summary ===\n")
    expect(summary).to include("Service: shop\n", "  HTTP: ✓ enabled\n", "  Sample Rate: 100.0%\n",
                               "  Endpoint: http://127.0.0.1:9000/events\n")
  end

  it "has validate! return errors and warnings, raise ConfigurationError listing the errors, and create nothing" do
    validation = config.validate!
    expect(validation).to be_valid
    expect(validation.errors).to eq([])

    Dir.mktmpdir do |dir|
      blocker = File.join(dir, "file")
      File.write(blocker, "")
      config.delivery.spool_dir = File.join(dir, "spool", "here")
      config.delivery.batch_size = 50_000
      expect(config.validate!.warnings).to include(start_with("delivery.batch_size (50000) is above " \
                                                              "performance.event_buffer_size (10000)"))
      config.delivery.spool_dir = File.join(blocker, "spool")
      expect(config.validate!.warnings).to include(start_with("delivery.spool_dir #{blocker}/spool cannot be used " \
                                                              "(#{blocker} is not a folder)"))

      config.delivery.endpoint = "file://#{blocker}/events.jsonl"
      expect { config.validate! }.to raise_error(
        EzlogsRubyAgent::ConfigurationError,
        "Configuration validation failed: delivery.endpoint #{blocker}/events.jsonl cannot be written " \
        "(#{blocker} is not a folder): events would all be dropped; point it at a folder the app's user can write to"
      )
      expect(Dir.children(dir)).to eq(["file"])
    end
  end

  describe "environment variables" do
    let(:vars) do
      { "EZLOGS_TIMEOUT" => "7", "EZLOGS_RETRY_ATTEMPTS" => "5", "EZLOGS_RETRY_BACKOFF" => "0.5",
        "EZLOGS_BATCH_SIZE" => "250", "EZLOGS_FLUSH_INTERVAL" => "2.5", "EZLOGS_CIRCUIT_BREAKER_THRESHOLD" => "9",
        "EZLOGS_CIRCUIT_BREAKER_TIMEOUT" => "30", "EZLOGS_SAMPLE_RATE" => "0.25", "EZLOGS_EVENT_BUFFER_SIZE" => "2000",
        "EZLOGS_MAX_DELIVERY_CONNECTIONS" => "3", "EZLOGS_DELIVERY_HEADERS" => '{"X-Team":"shop"}',
        "EZLOGS_AUTO_DETECT_PII" => "false", "EZLOGS_MAX_EVENT_SIZE" => "4096", "EZLOGS_HTTP" => "false",
        "EZLOGS_ACTIVE_RECORD" => "false", "EZLOGS_ACTIVE_JOB" => "false", "EZLOGS_SIDEKIQ" => "false",
        "EZLOGS_SERVICE_NAME" => "env-shop", "EZLOGS_ENVIRONMENT" => "qa",
        "EZLOGS_ENDPOINT" => "http://collector.internal:9000/events" }
    end

    it "reads every variable 0.1.19 read, with its meaning, before the initializer, which wins" do
      with_env(vars) do
        read = EzlogsRubyAgent::Configuration.new
        expect(read.delivery).to have_attributes(
          timeout: 7.0, retry_attempts: 5, retry_backoff: 0.5, batch_size: 250, flush_interval: 2.5,
          circuit_breaker_threshold: 9, circuit_breaker_timeout: 30.0, headers: { "X-Team" => "shop" },
          endpoint: "http://collector.internal:9000/events"
        )
        expect(read.performance).to have_attributes(sample_rate: 0.25, event_buffer_size: 2000,
                                                    max_delivery_connections: 3)
        expect(read.security).to have_attributes(auto_detect_pii: false, max_event_size: 4096)
        expect(read.instrumentation).to have_attributes(http: false, active_record: false, active_job: false,
                                                        sidekiq: false, mail: true)
        expect([read.service_name, read.environment]).to eq(%w[env-shop qa])

        read.delivery.timeout = 3
        read.service_name = "code-shop"
        expect([read.delivery.timeout, read.service_name]).to eq([3, "code-shop"])
        expect(read.load_from_environment!).to be(read)
        expect([read.delivery.timeout, read.service_name]).to eq([7.0, "env-shop"])
      end
    end

    it "reports a bad value once, without the value of a header, and keeps the default" do
      bad = { "EZLOGS_TIMEOUT" => "soon", "EZLOGS_BATCH_SIZE" => "-4", "EZLOGS_HTTP" => "nope",
              "EZLOGS_EVENT_BUFFER_SIZE" => "99999999999999999999",
              "EZLOGS_DELIVERY_HEADERS" => '{"X-Api-Key": "sk_live_123"', "EZLOGS_SAMPLE_RATE" => "2" }
      output = with_env(bad) { quietly { EzlogsRubyAgent::Configuration.new } }

      expect(output.lines).to contain_exactly(
        "[ezlogs_ruby_agent] EZLOGS_TIMEOUT is not a number; it is ignored: delivery.timeout stays 10\n",
        "[ezlogs_ruby_agent] EZLOGS_BATCH_SIZE must be a positive Integer, got -4; it is ignored: " \
        "delivery.batch_size stays 100\n",
        "[ezlogs_ruby_agent] EZLOGS_DELIVERY_HEADERS is not valid JSON; it is ignored: delivery.headers stays {}\n",
        "[ezlogs_ruby_agent] EZLOGS_SAMPLE_RATE must be a number from 0.0 to 1.0, got 2.0; it is ignored: " \
        "performance.sample_rate stays 1.0\n",
        "[ezlogs_ruby_agent] EZLOGS_EVENT_BUFFER_SIZE must be at most 9007199254740991, got " \
        "99999999999999999999; it is ignored: performance.event_buffer_size stays 10000\n",
        "[ezlogs_ruby_agent] EZLOGS_HTTP is not a switch: write true or false (or 1, 0, on, off, yes, no); it is " \
        "ignored: instrumentation.http stays true\n"
      )
      expect(output).not_to include("sk_live_123")

      # Read as the configuration is made; a typo turns neither the agent
      # nor its debug output the other way.
      typos = { "EZLOGS_ENABLED" => "flase", "EZLOGS_DEBUG" => "nope" }
      typo_config = nil
      output = with_env(typos) { quietly { typo_config = EzlogsRubyAgent::Configuration.new } }
      expect([typo_config.enabled, typo_config.debug_mode]).to eq([true, false])
      expect(output.lines).to contain_exactly(
        "[ezlogs_ruby_agent] EZLOGS_ENABLED is not a switch: write true or false (or 1, 0, on, off, yes, no); it " \
        "is ignored: the agent stays on\n",
        "[ezlogs_ruby_agent] EZLOGS_DEBUG is not a switch: write true or false (or 1, 0, on, off, yes, no); it " \
        "is ignored: debug_mode stays false (or write tree or compact)\n"
      )
      switches = %w[off 0 tree compact Yes].map do |value|
        with_env("EZLOGS_ENABLED" => value, "EZLOGS_DEBUG" => value) do
          quietly do
            typo_config = EzlogsRubyAgent::Configuration.new
          end
        end
        typo_config
      end
      expect(switches.map { |c| [c.enabled, c.debug_mode, c.debug_format] })
        .to eq([[false, false, :tree], [false, false, :tree], [true, true, :tree], [true, true, :compact],
                [true, true, :tree]])

      read = EzlogsRubyAgent::Configuration.new
      read.delivery.endpoint = "http://collector.internal:9000/events"
      output = with_env("EZLOGS_ENDPOINT" => "ftp://nowhere") { quietly { read.load_from_environment! } }
      expect(output).to start_with("[ezlogs_ruby_agent] EZLOGS_ENDPOINT must start with one of http://")
      expect(read.delivery.endpoint).to eq("http://collector.internal:9000/events")
    end
  end

  it "still names an option 0.1.19 never had, with the closest one" do
    expect { config.delivery.endpont = "http://x" }
      .to raise_error(EzlogsRubyAgent::ConfigurationError, /Did you mean delivery.endpoint\?/)
  end
end
