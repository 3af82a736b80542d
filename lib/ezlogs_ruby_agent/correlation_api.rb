# frozen_string_literal: true

module EzlogsRubyAgent
  # The correlation part of the public API, on EzlogsRubyAgent: the current
  # context, carrying it across threads, queues and services, and starting
  # a business flow. CorrelationManager does the work.
  module CorrelationApi
    # Headers to add to an outbound HTTP call, so that a service that runs
    # this gem continues the current flow under the current event:
    # `traceparent` (W3C trace), `baggage` (the flow and event) and
    # `X-Request-ID`. Empty outside any context.
    def propagation_headers
      context = current_correlation_context
      return {} unless context

      { "traceparent" => context.traceparent, "baggage" => context.baggage,
        "X-Request-ID" => context.request_id }.compact
    rescue *FAILURES => e
      ProblemReporter.internal(e, "propagation_headers")
      {}
    end

    # The block as a Proc that runs in the correlation context current now,
    # on whatever thread calls it, and puts that thread's own context back
    # afterwards. For work the app hands to another thread (`Thread.new`,
    # `Concurrent::Future`, `Concurrent::Promises`, a thread pool): its
    # events then join the current flow, under the current event, as they
    # would in the request itself. The Proc passes on its arguments and
    # returns what the block returns.
    #
    #   Thread.new(&EzlogsRubyAgent.propagate { Report.build! })
    #   Concurrent::Promises.future(id, &EzlogsRubyAgent.propagate { |id| Sync.call(id) })
    #
    # Raises ArgumentError without a block.
    def propagate(&block)
      raise ArgumentError, "EzlogsRubyAgent.propagate needs a block: EzlogsRubyAgent.propagate { ... }" unless block

      context = current_correlation_context
      proc { |*args, **options| with_context(context) { block.call(*args, **options) } }
    end

    # Runs the block with `context` current (a context from
    # current_correlation_context, a Hash from extract_correlation_data, or
    # nil for none), and puts the previous one back afterwards, even when
    # the block raises. Returns the block's value.
    def with_context(context, &)
      CorrelationManager.with_context(context, &)
    end

    def start_flow(flow_type, entity_id, metadata = {})
      CorrelationManager.start_flow_context(flow_type, entity_id, metadata)
    end

    def current_correlation_context
      CorrelationManager.current_context
    end

    def extract_correlation_data
      CorrelationManager.extract_correlation_data
    end

    def restore_correlation_context(correlation_data)
      CorrelationManager.restore_context(correlation_data)
    end

    def clear_correlation_context
      CorrelationManager.clear_context
    end
  end
end
