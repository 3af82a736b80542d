# frozen_string_literal: true

RSpec.describe "EzlogsRubyAgent.log_event" do
  let(:agent) { EzlogsRubyAgent }

  it "returns the id of the event it captured" do
    id = agent.log_event(event_type: "order.placed", action: "created", actor: { type: "user", id: 7 },
                         subject: { type: "order", id: 1 }, metadata: { total: 10 })
    expect(captured.map { |e| e[:event_id] }).to eq([id])
    expect(captured.first).to include(event_type: "order.placed", action: "created", actor: { type: "user", id: 7 },
                                      subject: { type: "order", id: 1 }, metadata: { total: 10 })
  end

  # Ruby 3.1 keeps a String of up to 23 bytes inside its object: a longer
  # id was a malloc on every call and a free when the GC swept it. (3.2 and
  # later embed longer Strings too: there the length is what is checked.)
  it "returns an id Ruby keeps inside its String object, with no memory of its own to allocate" do
    require "objspace"
    id = log
    expect(id.bytesize).to be <= 23
    expect(JSON.parse(ObjectSpace.dump(id))).to include("embedded" => true)
  end

  # The core marks the id's encoding itself (Ruby's own call re-checked it):
  # it must be a String like any other the app makes.
  it "returns a UTF-8 String that behaves as the same text typed in Ruby" do
    id = log
    same = +id.b.force_encoding(Encoding::UTF_8)
    expect([id.encoding, id.valid_encoding?, id.ascii_only?, id.frozen?]).to eq([Encoding::UTF_8, true, true, false])
    expect([id == same, id.hash == same.hash, { same => 1 }[id]]).to eq([true, true, 1])
    expect("#{id}é".encoding).to eq(Encoding::UTF_8)
    expect(id.dup << "é").to be_valid_encoding
    expect(id.sub("evt_", "")).to match(/\A[A-Za-z0-9_-]{19}\z/)
  end

  it "carries every correlation field of the current context" do
    agent::CorrelationManager.start_request_context("req-1", "sess-1")
    context = agent::CorrelationManager.create_child_context("evt_cause")
    agent::CorrelationManager.with_context(context) { log }

    expect(captured.first[:correlation]).to eq(
      flow_id: context.flow_id, request_id: "req-1", session_id: "sess-1",
      correlation_id: context.correlation_id, primary_correlation_id: context.primary_correlation_id,
      parent_event_id: "evt_cause", trace_id: context.trace_id, span_id: context.span_id
    )
  end

  it "puts an event logged outside any context in a flow of its own" do
    2.times { log }
    first, second = captured.map { |e| e[:correlation] }
    expect(first[:flow_id]).to match(/\Aflow_/)
    expect(first[:flow_id]).not_to eq(second[:flow_id])
    expect(first.keys).to contain_exactly(:flow_id, :correlation_id, :primary_correlation_id)
  end

  it "leaves correlation out of events when correlation is disabled" do
    agent.configure { |c| c.correlation.enable_correlation = false }
    agent.start_flow("order", 1)
    log
    expect(captured.first[:correlation][:flow_id]).not_to eq("flow_order_1")
  end

  describe "bad input" do
    it "returns nil and warns once per problem and call site, naming both" do
      calls = lambda do
        2.times { agent.log_event(event_type: "nope", action: "x", actor: { type: "u", id: 1 }) }
        agent.log_event(event_type: "nope", action: "x", actor: { type: "u", id: 1 })
      end
      warning = /\[ezlogs_ruby_agent\] Event validation failed: event_type must match.*called from #{__FILE__}:\d+/
      expect { expect(calls.call).to be_nil }.to output(/\A#{warning}.*\n#{warning}.*\n\z/).to_stderr
      expect(captured).to be_empty
    end

    it "never raises for bad values" do
      values = [nil, 1, "", :sym, Object.new, BasicObject.new, [], { type: nil }, "x" * 100_000]
      values.each do |bad|
        expect do
          quietly { agent.log_event(event_type: bad, action: bad, actor: bad, subject: bad, metadata: bad) }
        end.not_to raise_error
      end
    end

    it "reports bad input from a signal trap too, where no Mutex can be taken" do
      result = run_ruby(<<~RUBY)
        require "ezlogs_ruby_agent"
        trap("USR1") { print EzlogsRubyAgent.log_event(event_type: "bad", action: "x", actor: { type: "t", id: 1 }).inspect }
        Process.kill("USR1", Process.pid)
        sleep 0.2
      RUBY
      expect(result.stdout).to eq("nil")
      expect(result.stderr).to include("Event validation failed")
    end

    it "counts invalid calls" do
      before = agent.metrics[:events_invalid]
      expect { agent.log_event(event_type: "x", action: "", actor: nil) }.to output.to_stderr
      expect(agent.metrics[:events_invalid]).to eq(before + 1)
    end
  end

  it "does nothing when custom instrumentation is off" do
    agent.configure { |c| c.instrumentation.custom = false }
    expect(log).to be_nil
    expect(captured).to be_empty
  end

  it "builds the event in Rust: no Ruby objects beyond the returned id" do
    actor = { type: "user", id: 1 }
    metadata = { order_id: 42, amount: 9.99, tags: %w[a b] }
    call = -> { agent.log_event(event_type: "order.placed", action: "created", actor:, metadata:) }
    call.call
    GC.disable
    before = GC.stat(:total_allocated_objects)
    100.times { call.call }
    per_call = (GC.stat(:total_allocated_objects) - before) / 100.0
    GC.enable
    expect(per_call.round).to eq(1), "expected only the returned event_id, got #{per_call} objects per call"
  end
end
