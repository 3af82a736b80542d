# frozen_string_literal: true

# The old Ruby classes, kept as thin faces of the native parts.
RSpec.describe "EventWriter, EventProcessor, DeliveryEngine and health_status" do
  let(:agent) { EzlogsRubyAgent }
  let(:event) do
    agent::UniversalEvent.new(event_type: "user.signed_in", action: "login", actor: { type: "user", id: 1 },
                              metadata: { password: "hunter2", plan: "pro" })
  end

  it "writes UniversalEvents and keyword hashes through the one pipeline" do
    expect(agent.writer.log(event)).to eq(event.event_id)
    id = agent.writer.log("event_type" => "user.signed_out", "action" => "logout", "actor" => { type: "user", id: 1 },
                          1 => "a key log_event does not take")
    expect(captured.map { |e| e[:event_id] }).to eq([event.event_id, id])
    expect(captured.first[:metadata]).to eq(password: "[REDACTED]", plan: "pro")
  end

  it "reports a hash that is missing keywords instead of raising" do
    output = quietly { expect(agent.writer.log(action: "x")).to be_nil }
    expect(output).to include("EventWriter#log", "missing keyword")
  end

  it "shows what an event would become when sent" do
    expect(agent.processor.process(event)).to include(metadata: { password: "[REDACTED]", plan: "pro" })
    agent.configure { |c| c.performance.sample_rate = 0.0 }
    expect(agent.processor.process(event)).to be_nil
  end

  it "reports health from the native counters, with the old keys" do
    expect(agent.delivery_engine.health_status.keys).to include(
      :circuit_breaker_state, :connection_pool_size, :total_requests, :successful_requests, :failed_requests
    )
    expect(agent.health_status).to include(healthy: true, native_loaded: true, circuit_breaker_state: "closed")
    expect(agent.writer.health_status.keys).to include(:queue_depth, :queue_bytes, :events_captured, :events_dropped)
  end
end
