# frozen_string_literal: true

require "json"

RSpec.describe EzlogsRubyAgent::CorrelationManager do
  let(:incoming_traceparent) { "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" }

  describe ".start_request_context" do
    it "makes a current context carrying the request and session" do
      context = described_class.start_request_context("req-1", "sess-1", { path: "/" })
      expect(described_class.current_context.correlation_id).to eq(context.correlation_id)
      expect(context).to have_attributes(request_id: "req-1", session_id: "sess-1", depth: 0,
                                         parent_event_id: nil, metadata: { path: "/" })
      expect(context.flow_id).to match(/\Aflow_/)
      expect(context.correlation_id).to match(/\Acorr_/)
      expect(context.primary_correlation_id).to eq(context.correlation_id)
      expect(context.chain).to eq([context.correlation_id])
      expect(context.started_at).to be_a(Time).and be_within(1).of(Time.now)
    end

    it "gives a request without an id one of the form an HTTP request gets (a UUID)" do
      expect(described_class.start_request_context(nil).request_id).to match(/\A\h{8}-\h{4}-4\h{3}-\h{4}-\h{12}\z/)
    end

    it "joins the caller's W3C trace and hands on its own span" do
      context = described_class.start_request_context("req-1", traceparent: incoming_traceparent)
      expect(context.trace_id).to eq("4bf92f3577b34da6a3ce929d0e0e4736")
      expect(context.traceparent).to match(/\A00-4bf92f3577b34da6a3ce929d0e0e4736-(\h{16})-01\z/)
      expect(context.traceparent).not_to include("00f067aa0ba902b7")
      expect(context.span_id).to eq(context.traceparent.split("-")[2])
    end

    it "starts a new trace when the incoming traceparent is malformed" do
      context = described_class.start_request_context("req-1", traceparent: "00-zzzz-00f067aa0ba902b7-01")
      expect(context.trace_id).to match(/\A\h{32}\z/)
      expect(context.trace_id).not_to eq("4bf92f3577b34da6a3ce929d0e0e4736")
    end
  end

  describe ".start_flow_context" do
    it "names the flow after its type and entity" do
      expect(EzlogsRubyAgent.start_flow("order", 42).flow_id).to eq("flow_order_42")
      expect(described_class.current_context.metadata).to include(flow_type: "order", entity_id: "42")
    end

    it "inside a request keeps the request and records the outer flow" do
      request = described_class.start_request_context("req-1")
      flow = described_class.start_flow_context("checkout", "c-9")
      expect(flow).to have_attributes(request_id: "req-1", parent_flow_id: request.flow_id,
                                      primary_correlation_id: request.correlation_id, depth: 1)
    end
  end

  describe "children and inheritance" do
    it "creates a child that points at an event without making it current" do
      parent = described_class.start_request_context("req-1")
      child = described_class.create_child_context("evt_parent")
      expect(child).to have_attributes(flow_id: parent.flow_id, parent_event_id: "evt_parent", depth: 1,
                                       request_id: "req-1", primary_correlation_id: parent.correlation_id,
                                       chain: [parent.correlation_id, child.correlation_id])
      expect(described_class.current_context.correlation_id).to eq(parent.correlation_id)
    end

    it "inherits a context handed over as a hash and makes the child current" do
      described_class.start_request_context("req-1")
      payload = described_class.create_child_context("evt_enqueue").to_h
      described_class.clear_context

      inherited = described_class.inherit_context(payload, { job: "SendReceipt" })
      expect(described_class.current_context.correlation_id).to eq(inherited.correlation_id)
      expect(inherited).to have_attributes(flow_id: payload[:flow_id], parent_event_id: "evt_enqueue",
                                           depth: payload[:depth] + 1)
      expect(inherited.metadata).to include(job: "SendReceipt")
    end

    it "starts a new flow when there is nothing to inherit" do
      context = described_class.inherit_context(nil)
      expect(context.flow_id).to match(/\Aflow_/)
      expect(context.depth).to eq(0)
    end

    it "bounds depth and chain by correlation.max_correlation_depth" do
      EzlogsRubyAgent.configure { |c| c.correlation.max_correlation_depth = 3 }
      described_class.start_request_context("req-1")
      6.times { |i| described_class.inherit_context(described_class.current_context, { step: i }) }
      expect(described_class.current_context.depth).to eq(6)
      expect(described_class.current_context.chain.size).to eq(4)
    end
  end

  describe ".with_context" do
    it "restores the previous context after the block" do
      outer = described_class.start_request_context("outer")
      inner = described_class.create_child_context("evt_1")
      seen = described_class.with_context(inner) { described_class.current_context.correlation_id }
      expect(seen).to eq(inner.correlation_id)
      expect(described_class.current_context.correlation_id).to eq(outer.correlation_id)
    end

    it "restores the previous context even when the block raises" do
      outer = described_class.start_request_context("outer")
      expect do
        described_class.with_context(described_class.create_child_context("evt_1")) { raise ArgumentError, "boom" }
      end.to raise_error(ArgumentError, "boom")
      expect(described_class.current_context.correlation_id).to eq(outer.correlation_id)
    end

    it "accepts a hash" do
      described_class.with_context({ flow_id: "flow_x", request_id: "r" }) do
        expect(described_class.current_context).to have_attributes(flow_id: "flow_x", request_id: "r")
      end
      expect(described_class.current_context).to be_nil
    end
  end

  describe "crossing a job queue" do
    it "round-trips extract_correlation_data / restore_context through JSON" do
      described_class.start_request_context("req-1", "sess-1", { tenant: "acme" }, traceparent: incoming_traceparent)
      original = described_class.create_child_context("evt_enqueue")
      described_class.with_context(original) do
        payload = JSON.parse(JSON.generate(EzlogsRubyAgent.extract_correlation_data))
        described_class.clear_context

        restored = EzlogsRubyAgent.restore_correlation_context(payload)
        expect(restored.to_h).to eq(original.to_h)
        expect(EzlogsRubyAgent.current_correlation_context.correlation_id).to eq(original.correlation_id)
      end
    end

    it "reads the old agent's payload shape" do
      restored = described_class.restore_context(
        "correlation_id" => "corr_old", "flow_id" => "flow_old", "request_id" => "r", "session_id" => "s",
        "parent_event_id" => "evt_old", "started_at" => "2025-01-01T00:00:00Z", "metadata" => {}
      )
      expect(restored).to have_attributes(correlation_id: "corr_old", primary_correlation_id: "corr_old",
                                          flow_id: "flow_old", parent_event_id: "evt_old")
      expect(restored.started_at).to eq(Time.utc(2025))
    end

    it "returns nil for data that is not a hash, and {} when there is no context" do
      expect(described_class.restore_context("junk")).to be_nil
      expect(described_class.extract_context).to eq({})
    end
  end

  describe "isolation" do
    it "keeps a context per fiber, even when fibers interleave on one thread" do
      fibers = %w[a b].to_h do |name|
        [name, Fiber.new do
          described_class.start_request_context("req-#{name}")
          Fiber.yield described_class.current_context.request_id
          described_class.current_context.request_id
        end]
      end
      first = fibers.transform_values(&:resume)
      second = fibers.transform_values(&:resume)
      expect(first).to eq("a" => "req-a", "b" => "req-b")
      expect(second).to eq("a" => "req-a", "b" => "req-b")
      expect(described_class.current_context).to be_nil
    end

    it "gives 100 threads their own flows, never another thread's ids" do
      start = Queue.new
      threads = Array.new(100) do |i|
        Thread.new do
          start.pop
          flow = EzlogsRubyAgent.start_flow("thread", i)
          ids = Array.new(50) do
            Thread.pass
            log(metadata: { thread: i })
          end
          [i, flow.flow_id, ids]
        end
      end
      100.times { start << true }
      results = threads.map(&:value)

      by_id = captured.to_h { |event| [event[:event_id], event] }
      results.each do |i, flow_id, ids|
        expect(flow_id).to eq("flow_thread_#{i}")
        ids.each do |id|
          expect(by_id.fetch(id)[:correlation][:flow_id]).to eq(flow_id)
          expect(by_id.fetch(id)[:metadata][:thread]).to eq(i)
        end
      end
      expect(by_id.size).to eq(5_000)
    end

    it "starts new threads empty" do
      described_class.start_request_context("req-1")
      expect(Thread.new { described_class.current_context }.value).to be_nil
    end
  end
end
