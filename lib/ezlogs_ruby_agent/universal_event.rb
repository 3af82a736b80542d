# frozen_string_literal: true

module EzlogsRubyAgent
  # One event in the envelope of DESIGN section 3, built and validated in
  # Rust. Raises InvalidEventError for bad input.
  class UniversalEvent
    def self.new(event_type:, action:, actor:, subject: nil, metadata: nil, timing: nil, timestamp: nil,
                 event_id: nil)
      unless EzlogsRubyAgent.native_loaded?
        raise Error, "UniversalEvent needs the native extension, which did not load: #{NATIVE_LOAD_ERROR.message}"
      end

      build(event_type, action, actor, subject, metadata, timing, timestamp, event_id)
    end
  end
end
