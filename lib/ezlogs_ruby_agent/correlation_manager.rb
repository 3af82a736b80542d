# frozen_string_literal: true

module EzlogsRubyAgent
  # The current correlation context of this fiber, and the ways to start,
  # inherit and restore one (DESIGN section 4). Contexts are immutable Rust
  # objects (CorrelationManager::Context); this class only wires the calls.
  class CorrelationManager
    class << self
      # A request entering the app: in the caller's W3C trace when
      # `traceparent` is valid, and in the caller's flow when its `baggage`
      # header names one (see EzlogsRubyAgent.propagation_headers); else a
      # new flow.
      def start_request_context(request_id, session_id = nil, metadata = {}, traceparent: nil, baggage: nil)
        Native.start_request_context(request_id, session_id, metadata, traceparent, baggage)
      end

      # A business flow with flow_id "flow_<flow_type>_<entity_id>".
      def start_flow_context(flow_type, entity_id, metadata = {})
        Native.start_flow_context(flow_type, entity_id, metadata)
      end

      # Continues `parent` (a Context, or a Hash from extract_correlation_data)
      # in a child context and makes it current. Without a parent, starts a
      # new flow.
      def inherit_context(parent_context, metadata = {})
        parent = parent_context.is_a?(Hash) ? Native.context_from_hash(parent_context) : parent_context
        install(Native.derive_context(parent, nil, metadata))
      end

      # A child of the current context whose events point at `event_id`.
      # Not made current.
      def create_child_context(event_id, metadata = {})
        Native.derive_context(current_context, event_id, metadata)
      end

      def current_context
        Native.context_current
      end

      # Runs the block with `context` (a Context or Hash) current, and puts
      # the previous one back afterwards, even when the block raises.
      def with_context(context)
        previous = current_context
        install(context.is_a?(Hash) ? Native.context_from_hash(context) : context)
        yield
      ensure
        install(previous)
      end

      def clear_context
        install(nil)
      end

      # The current context as a JSON-safe Hash, to carry across a queue.
      def extract_correlation_data
        current_context&.to_h || {}
      end
      alias extract_context extract_correlation_data

      # Makes the context described by `correlation_data` (from
      # extract_correlation_data, symbol or string keys) current.
      def restore_context(correlation_data)
        return nil unless correlation_data.is_a?(Hash)

        install(Native.context_from_hash(correlation_data))
      end

      private

      def install(context)
        Native.context_set(context)
      end
    end
  end
end
