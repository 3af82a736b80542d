# frozen_string_literal: true

RSpec.describe "EzlogsRubyAgent.test_mode" do
  let(:agent) { EzlogsRubyAgent }

  it "captures events synchronously as {event:, captured_at:, thread_id:}" do
    id = log
    entry = agent.captured_events.last
    expect(entry.keys).to eq(%i[event captured_at thread_id])
    expect(entry[:event][:event_id]).to eq(id)
    expect(entry[:captured_at]).to be_a(Time).and be_within(1).of(Time.now)
    expect(entry[:thread_id]).to eq(Thread.current.object_id)
  end

  it "captures the hash that would be sent" do
    log(metadata: { at: Time.utc(2026, 1, 1) })
    sent = JSON.parse(JSON.generate(agent.captured_events.last[:event]))
    expect(sent["metadata"]).to eq("at" => "2026-01-01T00:00:00.000Z")
    expect(sent.keys).to include("event_id", "event_type", "action", "actor", "correlation", "timestamp", "platform")
  end

  it "starts each block from an empty capture, and gives the outer block's back when a nested one ends" do
    ids_of = -> { agent.captured_events.map { |entry| entry[:event][:event_id] } }
    before = log
    first = agent.test_mode { [log, ids_of.call] }
    second = agent.test_mode do
      outer = log
      inner = agent.test_mode { [log, ids_of.call] }
      [outer, inner, ids_of.call]
    end

    expect(first).to eq([first[0], [first[0]]])
    outer, (inner, inner_seen), outer_seen = second
    expect(inner_seen).to eq([inner])
    expect(outer_seen).to eq([outer])
    expect(ids_of.call).to eq([before]) # this example's own block (spec_helper) again
  end

  it "empties the capture on clear_captured_events" do
    log
    agent.clear_captured_events
    expect(agent.captured_events).to eq([])
  end

  it "sends nothing to the configured endpoint while on" do
    result = run_ruby(<<~RUBY)
      require "ezlogs_ruby_agent"
      require "tmpdir"
      path = File.join(Dir.mktmpdir, "events.jsonl")
      EzlogsRubyAgent.configure { |c| c.delivery.endpoint = "file://" + path }
      captured = EzlogsRubyAgent.test_mode do
        EzlogsRubyAgent.log_event(event_type: "a.b", action: "c", actor: { type: "t", id: 1 })
        EzlogsRubyAgent.captured_events.size
      end
      EzlogsRubyAgent.flush(timeout: 2)
      print [File.exist?(path), captured].inspect
    RUBY
    expect(result.stdout).to eq("[false, 1]"), result.stderr
  end

  it "restores the previous mode even when the block raises" do
    outside = run_ruby(<<~RUBY)
      require "ezlogs_ruby_agent"
      begin
        EzlogsRubyAgent.test_mode { raise "boom" }
      rescue RuntimeError
      end
      print EzlogsRubyAgent::Native.test_mode?
      EzlogsRubyAgent.test_mode { EzlogsRubyAgent.test_mode { nil }; print " ", EzlogsRubyAgent::Native.test_mode? }
    RUBY
    expect(outside.stdout).to eq("false true"), outside.stderr
  end

  # A deadlock here holds the GVL, so it would hang this process: the
  # scenario runs in a child that is killed at the deadline instead.
  it "lets other threads keep logging while captured_events is read (no lock held across Ruby calls)" do
    result = run_ruby(<<~RUBY, timeout: 60)
      require "ezlogs_ruby_agent"
      log = -> { EzlogsRubyAgent.log_event(event_type: "user.action", action: "clicked", actor: { type: "user", id: 1 }) }
      EzlogsRubyAgent.test_mode do
        2_000.times { log.call }
        reading = true
        loggers = Array.new(3) { Thread.new { 5_000.times { reading ? log.call : break } } }
        10.times { EzlogsRubyAgent.captured_events }
        reading = false
        loggers.each(&:join)
      end
      print "done"
    RUBY
    expect(result.stdout).to eq("done"), "captured_events blocked (deadlock?): #{result.stderr}"
  end
end
