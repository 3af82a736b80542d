# frozen_string_literal: true

module EzlogsRubyAgent
  # The hand-off to the native delivery queue, under its old name.
  # `EzlogsRubyAgent.writer.log(event)` takes a UniversalEvent or a hash of
  # log_event's keywords and returns the event id (nil when not logged).
  class EventWriter
    KEYWORDS = %i[event_type action actor subject metadata].freeze

    def log(event)
      return Native.emit(event) if event.is_a?(UniversalEvent)

      EzlogsRubyAgent.log_event(**event.to_h.transform_keys(&:to_sym).slice(*KEYWORDS))
    rescue ArgumentError => e
      ProblemReporter.bad_call("EventWriter#log: #{e.message}")
      nil
    end

    def health_status
      metrics = EzlogsRubyAgent.metrics
      { queue_depth: metrics[:queue_depth], queue_bytes: metrics[:queue_bytes],
        events_captured: metrics[:events_captured], events_dropped: metrics[:events_dropped_total] }
    end
  end
end
