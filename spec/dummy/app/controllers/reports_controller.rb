# frozen_string_literal: true

require "concurrent"

# Builds a report with work spread over other threads, as apps do: each
# piece logs an event. EzlogsRubyAgent.propagate carries the request's
# context into the pieces that use it.
class ReportsController < ApplicationController
  def show
    propagated = [
      Thread.new(&EzlogsRubyAgent.propagate { piece("thread") }),
      Concurrent::Future.execute(&EzlogsRubyAgent.propagate { piece("future") }),
      Concurrent::Promises.future("promise", &EzlogsRubyAgent.propagate { |name| piece(name) })
    ]
    unpropagated = Thread.new { piece("plain thread") }
    propagated.each { |work| work.respond_to?(:value!) ? work.value! : work.value }
    unpropagated.join
    render plain: "report ready"
  end

  private

  def piece(name)
    EzlogsRubyAgent.log_event(event_type: "report.piece", action: name, actor: { type: "system", id: "reports" })
  end
end
