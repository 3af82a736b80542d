# frozen_string_literal: true

# health_status tells the truth: not healthy while the last deliveries
# failed, with the collector's answer as the reason, and healthy again once
# one goes through.
RSpec.describe "health_status" do
  let(:collector) { Collector.new }

  after { collector.stop }

  # Runs `steps` (Ruby) in an agent sending to `endpoint`; `check(label)`
  # records health_status then. Returns {label => [healthy, reason, delivered]}.
  def health_during(steps, endpoint: collector.url)
    settings = "c.delivery.endpoint = #{endpoint.inspect}; c.delivery.retry_attempts = 0; c.delivery.timeout = 1; " \
               "c.delivery.shutdown_timeout = 1"
    body = <<~RUBY
      checks = {}
      define_method(:check) do |label|
        status = EzlogsRubyAgent.health_status
        checks[label] = [status[:healthy], status[:reason], status[:events_delivered]]
      end
      #{steps}
      STDOUT.print JSON.generate(checks)
    RUBY
    result = run_ruby(agent_script(settings, body))
    JSON.parse(result.stdout)
  end

  it "is not healthy after a 4xx rejection or a timeout, and healthy again after a success" do
    collector.fail_next(1, status: 401)
    checks = health_during(<<~RUBY)
      check("fresh")
      emit(1); EzlogsRubyAgent.flush(timeout: 5); check("rejected")
      emit(2); EzlogsRubyAgent.flush(timeout: 5); check("delivered")
    RUBY
    expect(checks["fresh"]).to eq([true, nil, 0])
    rejected = a_string_starting_with("failing, with no delivery since:").and(include("401"))
    expect(checks["rejected"]).to match([false, rejected, 0])
    expect(checks["delivered"]).to eq([true, nil, 1])

    collector.hang_next(2, seconds: 4)
    timed_out = health_during('emit(1); EzlogsRubyAgent.flush(timeout: 1.5); check("hung")')
    expect(timed_out["hung"]).to match([false, a_string_including("timed out"), 0])
  end

  it "is not healthy with nothing delivered while the collector refuses connections" do
    port = collector.port
    collector.stop
    checks = health_during('emit(1); EzlogsRubyAgent.flush(timeout: 5); check("refused")',
                           endpoint: "http://127.0.0.1:#{port}/events")
    expect(checks["refused"]).to match([false, a_string_including("Connection refused"), 0])
  end
end
