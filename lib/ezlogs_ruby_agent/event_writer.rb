# frozen_string_literal: true

module EzlogsRubyAgent
  # The hand-off to the native delivery queue, under 0.1.19's name.
  # `EzlogsRubyAgent.writer.log(event)` takes a UniversalEvent or a Hash of
  # log_event's keywords and returns the event id; anything else is
  # reported once and returns nil. It never raises.
  class EventWriter
    KEYWORDS = %i[event_type action actor subject metadata timestamp].freeze
    # 0.1.19's counter => the native one it is.
    FORMER_COUNTERS = { events_received: :events_captured, events_delivered: :events_delivered,
                        events_dropped: :events_dropped_total, batches_sent: :batches_sent,
                        processing_errors: :events_invalid, delivery_errors: :batches_failed }.freeze

    def log(event)
      return Native.emit(event) if event.is_a?(UniversalEvent)
      return EzlogsRubyAgent.log_event(**keywords(event)) if event.is_a?(Hash)

      ProblemReporter.bad_call("EventWriter#log takes a UniversalEvent or a Hash of log_event's keywords, " \
                               "got #{event.class}; nothing was logged")
      nil
    rescue ArgumentError => e
      ProblemReporter.bad_call("EventWriter#log: #{e.message}")
      nil
    rescue *FAILURES => e
      ProblemReporter.internal(e, "EventWriter#log")
      nil
    end

    # The queue's state, with the keys 0.1.19 gave (`queue_size`,
    # `max_buffer`, `buffer_utilization` in percent, `metrics`) beside
    # the agent's own; `healthy` as EzlogsRubyAgent.health_status says.
    def health_status(counts = EzlogsRubyAgent.metrics, healthy: EzlogsRubyAgent.healthy?(counts))
      max_buffer = EzlogsRubyAgent.config.performance.event_buffer_size
      {
        healthy:, queue_size: counts[:queue_depth].to_i,
        max_buffer:, buffer_utilization: (counts[:queue_depth].to_i * 100.0 / max_buffer).round(2),
        queue_depth: counts[:queue_depth], queue_bytes: counts[:queue_bytes],
        events_captured: counts[:events_captured], events_dropped: counts[:events_dropped_total],
        metrics: metrics(counts)
      }
    end

    # 0.1.19's counters, from the native ones: `events_received` (accepted),
    # `events_delivered`, `events_dropped` (all reasons),
    # `events_filtered` (sampled out), `events_failed` (refused by the
    # collector or out of retries), `batches_sent`, `processing_errors`
    # (log calls that made no event), `delivery_errors` (batches failed).
    def metrics(counts = EzlogsRubyAgent.metrics)
      dropped = counts[:events_dropped] || {}
      FORMER_COUNTERS.transform_values { |native| counts[native].to_i }.merge(
        events_filtered: dropped[:sampled_out].to_i,
        events_failed: dropped[:rejected].to_i + dropped[:retries_exhausted].to_i
      )
    end

    private

    # log_event's keywords in `hash`, whatever its keys are.
    def keywords(hash)
      hash.transform_keys { |key| key.to_s.to_sym }.slice(*KEYWORDS)
    end
  end
end
