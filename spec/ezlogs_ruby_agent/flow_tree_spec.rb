# frozen_string_literal: true

# Flows drawn as trees (DebugTools.flow_tree), from events logged here.
RSpec.describe EzlogsRubyAgent::FlowTree do
  def log(type, action, subject = nil)
    EzlogsRubyAgent.log_event(event_type: type, action:, actor: { type: "user", id: 1 }, subject:)
  end

  it "draws each flow as the tree its parent links form, one line per event, as logged" do
    EzlogsRubyAgent.start_flow("checkout", 5)
    order = log("order.placed", "created", { type: "order", id: "5" })
    EzlogsRubyAgent.clear_correlation_context
    other = log("note.added", "added")

    # Two flows: the checkout's, and the note's own.
    lines = EzlogsRubyAgent::DebugTools.flow_tree.lines.map(&:chomp)
    expect(lines).to eq(["flow flow_checkout_5 (1 event)", "  order.placed  created  order 5  [#{order}]",
                         lines[2], "  note.added  added  [#{other}]"])
    expect(lines[2]).to match(/\Aflow flow_\S+ \(1 event\)\z/)
  end

  it "reads events as a collector parsed them (String keys), and shows events in a loop of parent links" do
    events = [
      { "event_id" => "evt_a", "event_type" => "a.b", "action" => "x",
        "correlation" => { "flow_id" => "f", "parent_event_id" => "evt_b" } },
      { "event_id" => "evt_b", "event_type" => "c.d", "action" => "y",
        "correlation" => { "flow_id" => "f", "parent_event_id" => "evt_a" } }
    ]
    expect(described_class.render(events)).to eq("flow f (2 events)\n  a.b  x  [evt_a]\n    c.d  y  [evt_b]")
    expect(described_class.render([])).to eq("(no events)")
  end

  # An action from the app, or an id from a client's baggage, is printed
  # in the Rails log: it must not start a line of its own there.
  it "escapes control and format characters, so that an event is one line" do
    id = log("note.added", "added\nI, [2026-12-05] INFO -- : forged\u202Etxt.exe")
    line = described_class.render(EzlogsRubyAgent.captured_events).lines.last

    expect(line).to eq("  note.added  added\\nI, [2026-12-05] INFO -- : forged\\u202Etxt.exe  [#{id}]")
    expect(described_class.render(EzlogsRubyAgent.captured_events).lines.size).to eq(2)
  end
end
