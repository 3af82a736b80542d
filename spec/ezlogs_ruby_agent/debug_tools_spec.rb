# frozen_string_literal: true

# DebugTools keeps the switches earlier versions had, for the specs and
# consoles written against them.
RSpec.describe EzlogsRubyAgent::DebugTools do
  it "captures and prints events while debug mode is on, and delivers them again once it is off" do
    result = run_ruby(<<~RUBY)
      require "ezlogs_ruby_agent"
      require "json"
      require "tmpdir"
      path = File.join(Dir.mktmpdir, "events.jsonl")
      EzlogsRubyAgent.configure { |c| c.delivery.endpoint = "file://" + path }
      tools = EzlogsRubyAgent::DebugTools
      actor = { type: "t", id: 1 }
      tools.enable_debug_mode
      shown = EzlogsRubyAgent.log_event(event_type: "debug.tools", action: "shown", actor:, metadata: { token: "x" })
      captured = tools.captured_events.map { |entry| entry[:event][:event_id] }
      on = tools.debug_mode
      tools.disable_debug_mode
      sent = EzlogsRubyAgent.log_event(event_type: "debug.tools", action: "sent", actor:)
      EzlogsRubyAgent.flush(timeout: 5)
      delivered = File.readlines(path).map { |line| JSON.parse(line)["event_id"] }
      print [captured == [shown], on, tools.captured_events, delivered == [sent], tools.debug_mode].inspect
    RUBY
    expect(result.stdout).to eq("[true, true, [], true, false]"), result.stderr
    expect(result.stderr).to match(/^\[ezlogs\] flow \S+ \(1 event\)\n  debug.tools  shown  \[evt_/)
    expect(result.stderr).not_to include("sent")
    expect(result.stderr).to include("debug mode: events are printed and captured in memory")
  end

  it "leaves test mode on when it was on before debug mode" do
    quietly { described_class.enable_debug_mode }
    described_class.disable_debug_mode
    id = log
    expect(described_class.captured_events.map { |entry| entry[:event][:event_id] }).to eq([id])
  end

  it "runs test_mode from an empty capture" do
    log
    inside = described_class.test_mode { [log, described_class.captured_events] }
    expect(inside.last.map { |entry| entry[:event][:event_id] }).to eq([inside.first])
  end

  it "records and reads app metrics" do
    described_class.record_metric("checkout.ms", 12.5, region: "eu")
    summary = described_class.performance_metrics["checkout.ms{region=eu}"]
    expect(summary).to include(count: 1, sum: 12.5)
  end
end
