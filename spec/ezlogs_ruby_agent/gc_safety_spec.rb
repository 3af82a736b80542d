# frozen_string_literal: true

require "bigdecimal"
require "date"

# With GC.stress, Ruby collects at every allocation: a Ruby object the native
# code holds where the GC cannot see it (say, in a Rust Vec) is freed early
# and shows up as garbage here.
RSpec.describe "The native code under GC.stress" do
  it "keeps every Ruby object it builds or reads alive" do
    agent = EzlogsRubyAgent
    metadata = { list: [1, "two", :three, 2**70, 1.5, Time.now, Date.today, BigDecimal("1.5"), nil],
                 nested: { deep: [{ name: "value" }] }, text: "x" * 100 }
    results = nil
    begin
      GC.stress = true
      2.times do |i|
        agent.start_flow("gc", i)
        agent.log_event(event_type: "gc.stress", action: "run", actor: { type: "t", id: i }, metadata:)
        context = agent::CorrelationManager.create_child_context("evt_#{i}", { step: i })
        agent::CorrelationManager.with_context(context) { log }
        agent::UniversalEvent.new(event_type: "gc.stress", action: "built", actor: { type: "t", id: i }).to_h
      end
      results = agent.captured_events
    ensure
      GC.stress = false
    end
    expect(results.size).to eq(4)
    expect(results.map { |entry| entry[:event][:metadata] }.compact.first[:nested]).to eq(deep: [{ name: "value" }])
    expect(results).to all(include(event: a_hash_including(:event_id, :correlation, :platform)))
  end
  it "keeps a hash's entries alive when app code empties the hash while it is converted" do
    hash = {}
    emptier = Object.new
    emptier.define_singleton_method(:as_json) do |*|
      hash.clear
      GC.start
      "emptied"
    end
    hash[:first] = emptier
    hash[:second] = "kept #{"x" * 64}"
    hash[:third] = ["a", { nested: "b" * 40 }]
    id = begin
      GC.stress = true
      log(metadata: hash)
    ensure
      GC.stress = false
    end
    metadata = captured.find { |event| event[:event_id] == id }[:metadata]
    expect(metadata).to eq(first: "emptied", second: "kept #{"x" * 64}", third: ["a", { nested: "b" * 40 }])
  end

  it "reads the current context after app code in a flow's metadata ran, never one that code let go" do
    agent = EzlogsRubyAgent
    agent.start_flow("outer", 1)
    # The metadata's as_json clears the context, and the GC frees it: a
    # reference to it taken before the conversion would read freed memory.
    leaver = Object.new
    leaver.define_singleton_method(:as_json) do |*|
      agent.clear_correlation_context
      3.times { GC.start }
      "left"
    end
    inner = agent.start_flow("inner", 2, { note: leaver })
    expect(inner.flow_id).to eq("flow_inner_2")
    expect(inner.parent_flow_id).to be_nil
    expect(inner.metadata).to include(note: "left")
  end
end
