# frozen_string_literal: true

# No error, warning or inspect may print a secret: the api_key, a header's
# value, or credentials and a query in the endpoint.
RSpec.describe "Secrets in the configuration" do
  let(:secrets) { %w[AK-s3cr3t-0001 HDR-s3cr3t-0002 PW-s3cr3t-0003 QS-s3cr3t-0004] }
  let(:endpoint) { "https://collector:PW-s3cr3t-0003@collector.example.com/events?api_key=QS-s3cr3t-0004" }

  before do
    EzlogsRubyAgent.configure do |c|
      c.service_name = "billing"
      c.delivery.api_key = "AK-s3cr3t-0001"
      c.delivery.headers = { "Authorization" => "Bearer HDR-s3cr3t-0002" }
      c.delivery.endpoint = endpoint
    end
  end

  def expect_no_secret(text)
    secrets.each { |secret| expect(text).not_to include(secret) }
  end

  def message_of
    yield
    raise "expected an error"
  rescue StandardError => e
    e.message
  end

  # What Kernel#pp prints for `value`.
  def pp_output(value)
    original = $stdout
    $stdout = StringIO.new
    pp value
    $stdout.string
  ensure
    $stdout = original
  end

  it "shows the options with the secrets masked in inspect and pp" do
    config = EzlogsRubyAgent.config
    shown = [config.inspect, pp_output(config), pp_output([config.delivery]), [config].inspect]

    shown.each { |text| expect_no_secret(text) }
    expect(shown[1]).to eq("#{config.inspect}\n")
    expect(config.inspect).to include('service_name="billing"', 'api_key="[REDACTED]"',
                                      'headers={"Authorization"=>"[REDACTED]"}',
                                      'endpoint="https://***@collector.example.com/events"', "batch_size=100")
  end

  it "prints no secret in the error of a misspelt option" do
    messages = [
      # Said on stderr: configure never stops the app's boot.
      quietly do
        EzlogsRubyAgent.configure do |c|
          c.servce_name = "billing"
        end
      end,
      message_of { EzlogsRubyAgent.config.delivery.endpont = "https://elsewhere.example.com" }
    ]

    expect(messages).to all(include("is not an option of ezlogs_ruby_agent"))
    messages.each { |message| expect_no_secret(message) }
  end

  it "prints no secret in the errors of options that take them" do
    delivery = EzlogsRubyAgent.config.delivery
    messages = [
      -> { delivery.endpoint = endpoint.sub("https", "ftp") },
      -> { delivery.endpoint = endpoint.sub("collector.example.com", "collector.example.com:99999") },
      -> { delivery.endpoint = endpoint.sub("collector.example.com", "collector example") },
      -> { delivery.endpoint = "https://collector:PW-s3cr3t-0003@/?api_key=QS-s3cr3t-0004" },
      -> { delivery.headers = [%w[Authorization HDR-s3cr3t-0002]] },
      -> { delivery.headers = { "Authorization: Bearer HDR-s3cr3t-0002" => "x" } },
      -> { delivery.headers = { "Authorization" => "Bearer HDR-s3cr3t-0002\r\nX-Other: 1" } },
      -> { delivery.api_key = "AK-s3cr3t-0001\nmore" }
    ].map { |assignment| message_of(&assignment) }

    messages.each { |message| expect_no_secret(message) }
    expect(messages.first).to include('got "ftp://***@collector.example.com/events"')
    expect(messages[5]).to include('the header name "Authorization..." is not valid: it holds ":"')
  end

  it "gives no secret to ActiveSupport's as_json, to_json and instance_values, nor to to_yaml, nor from the " \
     "environment's OpenTelemetry variables" do
    # In a process of its own: ActiveSupport's JSON changes every object's.
    otel = { "OTEL_EXPORTER_OTLP_ENDPOINT" => "https://otel:PW-s3cr3t-0003@otel.example.com/?k=QS-s3cr3t-0004",
             "OTEL_EXPORTER_OTLP_HEADERS" => "authorization=Bearer%20HDR-s3cr3t-0002" }
    result = run_ruby(<<~RUBY, env: otel)
      require "active_support"
      require "active_support/core_ext/object/json"
      require "active_support/core_ext/object/instance_variables"
      require "yaml"
      require "ezlogs_ruby_agent"
      config = EzlogsRubyAgent.configure do |c|
        c.delivery.api_key = "AK-s3cr3t-0001"
        c.delivery.headers = { "Authorization" => "Bearer HDR-s3cr3t-0002" }
        c.delivery.endpoint = #{endpoint.inspect}
      end
      puts config.to_json, config.as_json, config.delivery.instance_values, config.to_yaml, config.delivery.to_yaml
      puts config.inspect, config.delivery.inspect, config.to_h
      print config.to_json
    RUBY

    expect(result).to be_success, result.stderr
    expect_no_secret(result.stdout)
    delivery = JSON.parse(result.stdout.lines.last)["delivery"]
    expect(delivery).to include("api_key" => "[REDACTED]", "batch_size" => 100)
  end

  it "attaches no cause that shows the URL to a refused endpoint" do
    error = begin
      EzlogsRubyAgent.config.delivery.endpoint = "https://user:PW-s3cr3t-0003 x@collector.example.com/events"
    rescue EzlogsRubyAgent::ConfigurationError => e
      e
    end

    expect(error.message).to include("is not a valid URL")
    expect(error.cause).to be_nil
    expect_no_secret(error.full_message)
  end

  it "takes an api_key and header values only as Strings, and a blank api_key as none" do
    delivery = EzlogsRubyAgent.config.delivery
    messages = [
      -> { delivery.api_key = { key: "AK-s3cr3t-0001" } },
      -> { delivery.headers = { "Authorization" => %w[Bearer HDR-s3cr3t-0002] } }
    ].map { |assignment| message_of(&assignment) }

    expect(messages).to eq(["delivery.api_key must be a String, got Hash",
                            'delivery.headers["Authorization"] must be a String, got Array'])
    delivery.api_key = " "
    expect(delivery.api_key).to be_nil
  end

  it "prints no secret when EZLOGS_ENDPOINT is not a valid endpoint" do
    saved = ENV.fetch("EZLOGS_ENDPOINT", nil)
    ENV["EZLOGS_ENDPOINT"] = "collector:PW-s3cr3t-0003@collector.example.com/events?api_key=QS-s3cr3t-0004"
    stderr = quietly { EzlogsRubyAgent::Configuration.new }

    expect(stderr).to include("EZLOGS_ENDPOINT must start with one of", '"***@collector.example.com/events"')
    expect_no_secret(stderr)
  ensure
    ENV["EZLOGS_ENDPOINT"] = saved
  end
end
