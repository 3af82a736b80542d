# frozen_string_literal: true

module EzlogsRubyAgent
  # The native delivery worker, under 0.1.19's name: flush, shutdown, and
  # the figures of its requests to the collector, with the keys 0.1.19's
  # README and docs/delivery-system.md read. Every figure is counted by the
  # native core (EzlogsRubyAgent.metrics); a request is one attempt to send
  # one batch.
  class DeliveryEngine
    def flush(timeout: EzlogsRubyAgent.config.delivery.shutdown_timeout)
      EzlogsRubyAgent.flush(timeout:)
    end

    def shutdown(timeout: EzlogsRubyAgent.config.delivery.shutdown_timeout)
      EzlogsRubyAgent.shutdown(timeout:)
    end

    # The connection's state: the breaker (`circuit_breaker_state`
    # "closed", "open" or "half_open"; `failure_count`, batches failed in a
    # row; `last_failure_time`, a Time), `queue_size` (events waiting),
    # `connection_pool_size` (connections allowed), and the request counts
    # and average of #metrics.
    def health_status(counts = EzlogsRubyAgent.metrics)
      requests(counts).merge(
        circuit_breaker_state: counts[:circuit_state],
        connection_pool_size: EzlogsRubyAgent.config.performance.max_delivery_connections,
        queue_size: counts[:queue_depth],
        failure_count: counts[:consecutive_failures],
        last_failure_time: counts[:last_error_at],
        last_error: counts[:last_error],
        last_success_at: counts[:last_success_at]
      )
    end

    # {total_requests:, successful_requests:, failed_requests:,
    # total_retries:, total_response_time: (seconds, as 0.1.19 gave it),
    # average_response_time: (milliseconds; 0.0 before any
    # request), success_rate: (successful / total; 1.0 before any request,
    # as none failed), total_bytes_sent: (as sent, gzipped or not),
    # compression_ratio: (bytes sent / JSON bytes of the batches delivered;
    # 1.0 when nothing is compressed or nothing was sent)}.
    def metrics
      counts = EzlogsRubyAgent.metrics
      delivered = counts[:bytes_delivered].to_i
      requests(counts).merge(
        total_retries: counts[:retries].to_i,
        total_response_time: counts[:request_duration_us].to_i / 1_000_000.0,
        total_bytes_sent: counts[:bytes_sent].to_i,
        compression_ratio: delivered.zero? ? 1.0 : counts[:bytes_sent].to_i.fdiv(delivered)
      )
    end

    private

    def requests(counts)
      total = counts[:requests].to_i
      successful = counts[:batches_sent].to_i
      {
        # The two counters are read one after the other while the worker
        # may count: never below zero.
        total_requests: total, successful_requests: successful, failed_requests: [total - successful, 0].max,
        average_response_time: total.zero? ? 0.0 : counts[:request_duration_us].to_i / 1000.0 / total,
        success_rate: total.zero? ? 1.0 : successful.fdiv(total)
      }
    end
  end
end
