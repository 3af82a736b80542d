# frozen_string_literal: true

RSpec.describe "Metrics the app records, and debug mode" do
  let(:agent) { EzlogsRubyAgent }

  before { agent.performance_monitor.reset }

  it "times a block, returns its value and records its duration, even when it raises" do
    expect(agent.timing(:checkout, region: "eu") { sleep(0.01) && :done }).to eq(:done)
    expect { agent.timing(:checkout, region: "eu") { raise ArgumentError, "app error" } }
      .to raise_error(ArgumentError, "app error")
    summary = agent.performance_monitor.summary.fetch("checkout{region=eu}")
    expect(summary[:count]).to eq(2)
    expect(summary[:max]).to be >= 10.0
    expect(summary[:avg]).to eq(summary[:sum] / 2)
  end

  it "records values per name and tag set and refuses what is not a finite number" do
    expect(agent.record_metric(:cart_size, 3, { plan: "pro" })).to be(true)
    expect(agent.record_metric(:cart_size, "7", { plan: "pro" })).to be(true)
    expect(agent.record_metric(:cart_size, "many")).to be(false)
    expect(agent.record_metric(:cart_size, Float::NAN)).to be(false)
    expect(agent.performance_monitor.summary).to eq(
      "cart_size{plan=pro}" => { count: 2, sum: 10.0, min: 3.0, max: 7.0, avg: 5.0 }
    )
  end

  it "keeps tag sets apart even when a tag value holds the separators" do
    agent.record_metric(:hits, 1, { a: "1,b=2" })
    agent.record_metric(:hits, 1, { a: "1", b: "2" })
    expect(agent.performance_monitor.summary.keys).to contain_exactly('hits{a=1\\,b\\=2}', "hits{a=1,b=2}")
  end

  it "keeps at most 1,000 series" do
    1_005.times { |i| agent.record_metric("series_#{i}", 1) }
    expect(agent.performance_monitor.summary.size).to eq(1_000)
  end

  it "prints each event it sends in debug mode" do
    result = run_ruby(<<~RUBY)
      require "ezlogs_ruby_agent"
      EzlogsRubyAgent.configure { |c| c.delivery.endpoint = "memory://" }
      EzlogsRubyAgent.debug_mode = true
      EzlogsRubyAgent.log_event(event_type: "a.b", action: "shown", actor: { type: "t", id: 1 }, metadata: { token: "x" })
      EzlogsRubyAgent.flush(timeout: 5)
      print EzlogsRubyAgent.debug_mode
    RUBY
    expect(result.stdout).to eq("true")
    expect(result.stderr).to match(/\[ezlogs_ruby_agent\] event: \{.*"action":"shown".*"token":"\[REDACTED\]"/)
  end
end
