# frozen_string_literal: true

# A small checkout flow, as a Rails app would produce it: a request logs an
# order, hands its correlation to a background job through JSON (as a job
# queue would), and the job logs the payment and the receipt. The events go
# through the real delivery pipeline to a JSON-lines file, which is then read
# back and printed as the tree their parent_event_id links form.

require "json"
require "fileutils"
require "ezlogs_ruby_agent"

OUTPUT = File.expand_path("../tmp/demo-events.jsonl", __dir__)
FileUtils.rm_f(OUTPUT)

EzlogsRubyAgent.configure do |c|
  c.service_name = "demo-shop"
  c.environment = "demo"
  c.delivery.endpoint = "file://#{OUTPUT}"
end

agent = EzlogsRubyAgent
customer = { type: "user", id: "42" }

# The request: its context is started at the Rack boundary in a real app.
agent::CorrelationManager.start_request_context(
  "req-#{rand(1000)}", "session-7", {}, traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
)
order_event = agent.log_event(event_type: "order.placed", action: "order.created", actor: customer,
                              subject: { type: "order", id: "1001" }, metadata: { total: 59.90, items: 3 })

# Enqueue: the job payload carries the context, pointing at the order event.
payload = JSON.generate(agent::CorrelationManager.create_child_context(order_event).to_h)
agent.clear_correlation_context

# The job, on another thread, restores the context from the payload.
Thread.new do
  agent::CorrelationManager.inherit_context(JSON.parse(payload))
  charge = agent.log_event(event_type: "payment.charged", action: "card.charged",
                           actor: { type: "system", id: "billing" }, subject: { type: "order", id: "1001" },
                           metadata: { amount: 59.90, currency: "EUR", card_number: "4111 1111 1111 1111",
                                       receipt_to: "ann@example.com" })
  agent::CorrelationManager.with_context(agent::CorrelationManager.create_child_context(charge)) do
    agent.log_event(event_type: "mail.sent", action: "receipt.sent", actor: { type: "system", id: "mailer" },
                    metadata: { recipients: 1 })
  end
ensure
  agent.clear_correlation_context
end.join

agent.flush(timeout: 5)
events = File.readlines(OUTPUT).map { |line| JSON.parse(line) }

def print_tree(events, parent, depth)
  events.select { |e| e["correlation"]["parent_event_id"] == parent }.each do |event|
    puts "#{"  " * depth}#{event["event_type"]} #{event["action"]}  (#{event["event_id"]})"
    print_tree(events, event["event_id"], depth + 1)
  end
end

puts "#{events.size} events delivered to #{OUTPUT}, all in flow #{events.map do |e|
  e["correlation"]["flow_id"]
end.uniq.join(", ")}"
puts "trace #{events.first["correlation"]["trace_id"]}\n\n"
print_tree(events, nil, 0)
puts "\nThe first event as sent:\n#{JSON.pretty_generate(events.first)}"
payment = events.find { |e| e["event_type"] == "payment.charged" }
puts "\nThe payment's metadata as sent (redacted on the worker): #{payment["metadata"]}"
puts "\nAgent counters: #{agent.metrics.slice(:events_captured, :events_delivered, :events_dropped_total)}"
