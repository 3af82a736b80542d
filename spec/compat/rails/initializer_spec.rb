# frozen_string_literal: true

# A Rails app upgrading from 0.1.19 keeps its initializer
# (spec/compat/fixtures/initializer_0_1_19.rb, every setting 0.1.19's docs
# show): it boots, says once for each setting that no longer has an effect,
# and records its request, record change, job and mail.
RSpec.describe "Upgrading from 0.1.19: the old initializer boots a Rails app" do
  def options_with_no_effect
    %w[
      security.redacted_headers security.redacted_cookies security.max_field_size security.max_fields_per_event
      security.sanitization_method security.log_sanitization_events security.log_excluded_resources
      performance.enable_async performance.compression_threshold performance.compression_level
      performance.connection_timeout performance.keep_alive performance.keep_alive_timeout
      delivery.local_agent delivery.agent_health_check delivery.agent_health_endpoint delivery.circuit_breaker_ratio
      delivery.retry_max_delay delivery.retry_status_codes delivery.retry_strategy delivery.circuit_breaker_strategy
      delivery.require_ssl delivery.ssl_verify_mode correlation.thread_safe correlation.auto_generate_correlation_ids
      included_fields
    ]
  end

  let(:script) do
    dummy_request_script(<<~RUBY)
      config = EzlogsRubyAgent.config
      puts JSON.generate(status: status, events: events.call.map { |event| event[:event_type] }.tally,
                         service: events.call.first&.dig(:platform, :service),
                         settings: [config.performance.event_buffer_size, config.delivery.timeout,
                                    config.delivery.headers, config.security.sensitive_fields.sort])
    RUBY
  end

  it "boots with one warning per setting that has no effect, and no exception" do
    database = File.join(RAILS_SPEC_TMP, "initializer-0.1.19.sqlite3")
    result = run_ruby(script, env: { "DUMMY_INITIALIZER" => File.expand_path("../fixtures/initializer_0_1_19.rb",
                                                                             __dir__),
                                     "DUMMY_JOB_ADAPTER" => "inline", "DUMMY_DATABASE" => database,
                                     "RAILS_ENV" => "test" })
    expect(result).to be_success, result.stderr

    warnings = result.stderr.lines.grep(/\[ezlogs_ruby_agent\]/)
    no_effect = warnings.grep(/ has no effect; /).map { |line| line[/\] (\S+) has no effect/, 1] }
    expect(no_effect).to match_array(options_with_no_effect)
    expect(warnings - warnings.grep(/ has no effect; /)).to eq(
      ["[ezlogs_ruby_agent] config.collect is the former name of config.instrumentation; " \
       "write config.instrumentation\n"]
    )
    outcome = JSON.parse(result.stdout.lines.last, symbolize_names: true)
    expect(outcome).to include(status: 200, service: "dummy-shop")
    expect(outcome[:events].keys.map(&:to_s)).to include("http.request", "data.change", "job.enqueue",
                                                         "job.execution", "mail.delivery")
    expect(outcome[:settings]).to eq([5000, 30, { "X-Service-Version": "1.0.0" },
                                      %w[api_key authorization bearer key password secret ssn token]])
  end
end
