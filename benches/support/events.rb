# frozen_string_literal: true

require "securerandom"

# The events the delivery benches log, through `target` (the agent, or a
# no-op with log_event's signature), so that each bench measures the same
# two kinds.
module BenchEvents
  # log_event's signature, doing nothing.
  module NoOp
    def self.log_event(event_type:, action:, actor:, subject: nil, metadata: nil)
      [event_type, action, actor, subject, metadata] && nil
    end
  end

  USER_AGENT = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Chrome/120.0 Safari/537.36"

  module_function

  # The agent as the benches run it: `endpoint`, and bounds that hold every
  # event a bench logs (a drop would be a fault, not a full queue);
  # anything else in the block.
  def configure(endpoint, buffer: 400_000)
    EzlogsRubyAgent.configure do |c|
      c.service_name = "bench"
      c.delivery.endpoint = endpoint
      c.performance.event_buffer_size = buffer
      c.performance.event_buffer_bytes = 1 << 30
      yield c if block_given?
    end
  end

  # benches/log_event.rb's event: three metadata entries, about 480 bytes
  # of JSON in one flow (`EzlogsRubyAgent.start_flow` first).
  def small(target, seq)
    target.log_event(event_type: "order.placed", action: "created", actor: { type: "user", id: seq },
                     subject: { type: "order", id: 42 }, metadata: { total: 59.9, items: 3, currency: "EUR" })
  end

  # A record change's or a request's size: six metadata entries, one a
  # browser's user agent, in request contexts of four that share their
  # correlation ids, as in an app; about 820 bytes of JSON.
  def typical(target, seq)
    EzlogsRubyAgent::CorrelationManager.start_request_context(SecureRandom.uuid, nil) if (seq % 4).zero?
    target.log_event(
      event_type: "order.placed", action: "created",
      actor: { type: "user", id: 1_000 + (seq % 500) }, subject: { type: "order", id: seq },
      metadata: { total: (seq % 9_000) / 100.0, items: 1 + (seq % 7), currency: "EUR",
                  path: "/orders/#{seq}", status: 201, user_agent: USER_AGENT }
    )
  end
end
