# frozen_string_literal: true

# log_event's actor and subject as an app writes them in a controller or a
# model: the records themselves (`actor: current_user`).
RSpec.describe "A custom event whose actor or subject is a record" do
  it "names each by its model, as the trackers name one, and counts nothing invalid" do
    user = User.create!(name: "Ada", email: "ada@example.com")
    order = Order.create!(user:, total: 12.5)
    invalid = EzlogsRubyAgent.metrics[:events_invalid]

    id = EzlogsRubyAgent.log_event(event_type: "order.paid", action: "paid", actor: user, subject: order,
                                   metadata: { total: 12.5 })
    at = EzlogsRubyAgent.log_event(event_type: "order.paid", action: "paid", actor: user,
                                   timestamp: Time.utc(2026, 1, 15, 12))
    built = EzlogsRubyAgent::UniversalEvent.new(event_type: "order.paid", action: "paid", actor: user, subject: order)

    paid = captured.select { |event| event[:event_type] == "order.paid" }
    expect(paid.map { |event| event[:event_id] }).to eq([id, at])
    expect(paid.map { |event| event[:actor] }).to all(eq(type: "user", id: user.id.to_s))
    expect(paid.first[:subject]).to eq(type: "order", id: order.id.to_s)
    expect([built.actor, built.subject]).to eq([{ type: "user", id: user.id.to_s },
                                                { type: "order", id: order.id.to_s }])
    expect(EzlogsRubyAgent.metrics[:events_invalid]).to eq(invalid)
  end

  it "still refuses a record without an id, once, naming the call site" do
    stderr = quietly do
      expect(EzlogsRubyAgent.log_event(event_type: "user.invited", action: "invited", actor: User.new)).to be_nil
    end

    expect(stderr).to match(/Event validation failed: actor must have id .*called from #{__FILE__}:\d+/)
    expect(captured.select { |event| event[:event_type] == "user.invited" }).to be_empty
  end
end
