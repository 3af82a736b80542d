# frozen_string_literal: true

# DebugTools keeps the switches 0.1.19 had, for the specs and consoles
# written against them.
RSpec.describe EzlogsRubyAgent::DebugTools do
  it "prints events and keeps redacted copies while debug mode is on, and delivers them all the while" do
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
      copies = tools.captured_events.map { |entry| entry[:event] }
      on = [tools.debug_mode, tools.capture_events]
      tools.disable_debug_mode
      sent = EzlogsRubyAgent.log_event(event_type: "debug.tools", action: "sent", actor:)
      EzlogsRubyAgent.flush(timeout: 5)
      delivered = File.readlines(path).map { |line| JSON.parse(line)["event_id"] }
      print [copies.map { |e| e[:event_id] } == [shown], copies.first[:metadata], on, tools.captured_events,
             delivered == [shown, sent], tools.debug_mode, tools.capture_events].inspect
    RUBY
    expect(result.stdout).to eq('[true, {:token=>"[REDACTED]"}, [true, true], [], true, false, false]'),
                             result.stderr
    expect(result.stderr).to match(/^\[ezlogs\] flow \S+ \(1 event\)\n  debug.tools  shown  \[evt_/)
    expect(result.stderr).not_to include("sent")
  end

  it "leaves test mode as it was" do
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
