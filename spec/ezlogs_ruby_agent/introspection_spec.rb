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

  it "prints each event as it is logged in debug mode, redacted, while no collector answers" do
    result = run_ruby(<<~RUBY)
      require "ezlogs_ruby_agent"
      EzlogsRubyAgent.configure { |c| c.delivery.endpoint = "http://127.0.0.1:9/events" }
      EzlogsRubyAgent.debug_mode = true
      EzlogsRubyAgent.log_event(event_type: "card.charged", action: "shown", actor: { type: "t", id: 1 },
                                subject: { type: "card", id: "4111111111111111" })
      on = EzlogsRubyAgent.debug_mode
      EzlogsRubyAgent.debug_mode = false
      EzlogsRubyAgent.log_event(event_type: "card.charged", action: "quiet", actor: { type: "t", id: 1 })
      print [on, EzlogsRubyAgent.debug_mode].inspect
      $stdout.flush
      exit!(0)
    RUBY
    expect(result.stdout).to eq("[true, false]")
    printed = /\A\[ezlogs\] flow flow_\S+ \(1 event\)\n  card.charged  shown  card \[REDACTED\]  \[evt_\S+\]\n/
    expect(result.stderr).to match(printed).and include("exiting with 2 of 2 events not delivered")
    expect(result.stderr).not_to include("4111", "quiet")
  end

  it "takes debug_mode and debug_format in configure, and EZLOGS_DEBUG" do
    body = "emit(1); emit(2); print EzlogsRubyAgent.debug_mode; $stdout.flush; exit!(0)"
    compact = run_ruby(agent_script('c.delivery.endpoint = "memory://"', body), env: { "EZLOGS_DEBUG" => "compact" })
    expect(compact.stdout).to eq("true")
    expect(compact.stderr.lines).to match([/\A\[ezlogs\] order.placed  created  \[evt_\S+\]  flow flow_\S+\n\z/] * 2)
    tree = run_ruby(agent_script('c.delivery.endpoint = "memory://"; c.debug_mode = true', body))
    expect(tree.stderr.scan(/^\[ezlogs\] flow flow_\S+ \(1 event\)$/).size).to eq(2)
    expect { EzlogsRubyAgent.config.debug_format = :json }
      .to raise_error(EzlogsRubyAgent::ConfigurationError, "debug_format must be one of [:tree, :compact], got :json")
  end
end
