# frozen_string_literal: true

module EzlogsRubyAgent
  # Redaction, sampling and the size limit, which run in the native worker
  # before sending. `process` shows what an event would become: the hash
  # that would be sent, or nil when it would be dropped.
  class EventProcessor
    def process(event)
      Native.process_event(event) if event.is_a?(UniversalEvent)
    end
  end
end
