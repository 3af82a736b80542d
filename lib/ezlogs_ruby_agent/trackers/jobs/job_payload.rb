# frozen_string_literal: true

module EzlogsRubyAgent
  # How a correlation context rides inside a job payload, and how it comes
  # back out, including the keys older versions of this gem wrote.
  module JobPayload
    KEY = "ezlogs_correlation"
    # When an ActiveJob job became due, as a precise epoch.
    DUE_AT_KEY = "ezlogs_due_at"
    # Where a plain Sidekiq worker was given records (JobArguments.record_paths).
    RECORDS_KEY = "ezlogs_records"
    # The keys 0.1.19 wrote and read: written too, so that a 0.1.19 worker
    # still running during a rolling deploy keeps the flow (until 1.0; see
    # UPGRADING.md).
    LEGACY_KEY = "_correlation_data"
    LEGACY_ID_KEY = "correlation_id"
    # What 0.1.19's worker restores from LEGACY_KEY: the keywords of its
    # Context.new, which refuses any other (trace_id, span_id, ...).
    LEGACY_FIELDS = %w[correlation_id primary_correlation_id flow_id session_id request_id parent_event_id
                       parent_flow_id started_at metadata depth chain].freeze

    module_function

    # `context` as plain JSON data (string keys), as job queues require.
    def dump(context)
      JSON.parse(JSON.generate(context.to_h))
    end

    # Writes `data` (a dumped context) into a Sidekiq job hash, under this
    # gem's key and 0.1.19's. `correlation_id` was 0.1.19's primary id; one
    # the app's own middleware set is left alone.
    def write(job, data)
      job[KEY] = data
      write_legacy(job, data)
    end

    def write_legacy(job, data)
      job[LEGACY_KEY] = data.slice(*LEGACY_FIELDS)
      job[LEGACY_ID_KEY] ||= data["primary_correlation_id"]
    end

    # Whether some version of this gem already put a context in `job`: a
    # job Sidekiq pushes again (a retry, a scheduled job coming due).
    def carries_context?(job)
      job.key?(KEY) || job.key?(LEGACY_KEY)
    end

    # The context stored in `payload` (a Context), or nil, whatever the
    # payload holds.
    def context_from(payload)
      data = payload[KEY] || payload[LEGACY_KEY]
      data = { "correlation_id" => payload[LEGACY_ID_KEY] } if !data.is_a?(Hash) && payload[LEGACY_ID_KEY].is_a?(String)
      Native.context_from_hash(data) if data.is_a?(Hash)
    rescue *FAILURES => e
      ProblemReporter.internal(e, "reading the context from a job payload")
      nil
    end

    # A bounded, JSON-safe account of a job's return value.
    def result_summary(value)
      case value
      when nil, true, false, Numeric, Symbol then value
      when String then value.length > 200 ? "#{value[0, 200]}... (#{value.length} chars)" : value
      when Hash, Array then { class: value.class.name, size: value.size }
      else value.respond_to?(:to_global_id) ? value.to_global_id.to_s : { class: value.class.name }
      end
    rescue *FAILURES
      { class: value.class.name }
    end
  end
end
