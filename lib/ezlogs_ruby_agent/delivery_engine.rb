# frozen_string_literal: true

module EzlogsRubyAgent
  # The native delivery worker, under its old name: flush, shutdown and the
  # health of the connection to the collector.
  class DeliveryEngine
    def flush(timeout: EzlogsRubyAgent.config.delivery.shutdown_timeout)
      EzlogsRubyAgent.flush(timeout:)
    end

    def shutdown(timeout: EzlogsRubyAgent.config.delivery.shutdown_timeout)
      EzlogsRubyAgent.shutdown(timeout:)
    end

    def health_status
      metrics = EzlogsRubyAgent.metrics
      {
        circuit_breaker_state: metrics[:circuit_state],
        connection_pool_size: EzlogsRubyAgent.config.performance.max_delivery_connections,
        total_requests: metrics[:batches_sent].to_i + metrics[:batches_failed].to_i + metrics[:retries].to_i,
        successful_requests: metrics[:batches_sent],
        failed_requests: metrics[:batches_failed],
        last_error: metrics[:last_error],
        last_success_at: metrics[:last_success_at]
      }
    end
  end
end
