# frozen_string_literal: true

module EzlogsRubyAgent
  # What the agent can say about itself and what the app can measure with
  # it: counters, health, app metrics, debug output.
  module Introspection
    # Counters kept by the native core: events captured, delivered, invalid
    # and dropped by reason.
    def metrics
      Native.metrics || {}
    end

    # Events accepted but neither delivered nor dropped yet: queued, being
    # sent, or (with a spool) waiting on disk.
    def events_pending
      counts = metrics
      counts[:events_captured].to_i - counts[:events_delivered].to_i - counts[:events_dropped_total].to_i
    end

    # One summary of the agent's state, from the native counters.
    # `healthy` is false, and `reason` says why, while the native extension
    # is not loaded, the agent is off, the circuit breaker is open, or an
    # error came after the last delivery (refused, timed out, rejected; a
    # spool directory it cannot use). Times are Time objects; counts are
    # events. Beside these, the nested keys 0.1.19 gave: `writer`
    # (EventWriter#health_status), `delivery_engine`
    # (DeliveryEngine#health_status), `correlation_manager`, `performance`
    # (PerformanceMonitor#metrics), `debug_mode` and `config`.
    def health_status
      metrics = self.metrics
      reason = unhealthy_reason(metrics)
      {
        healthy: reason.nil?, reason:, native_loaded: native_loaded?,
        circuit_breaker_state: metrics[:circuit_state], queue_depth: metrics[:queue_depth],
        events_captured: metrics[:events_captured], events_delivered: metrics[:events_delivered],
        events_dropped: metrics[:events_dropped_total], last_error: metrics[:last_error],
        last_error_at: metrics[:last_error_at], last_success_at: metrics[:last_success_at]
      }.merge(nested_health(metrics, reason.nil?))
    end

    # health_status[:healthy] alone.
    def healthy?(metrics = self.metrics) = unhealthy_reason(metrics).nil?

    # Made as the gem loads (EzlogsRubyAgent), so that no two threads make
    # one each.
    attr_reader :performance_monitor

    # Runs the block, records its duration in ms under `name`, and returns
    # the block's value.
    def timing(name, tags = {}, &)
      performance_monitor.time(name, tags, &)
    end

    def record_metric(name, value, tags = {})
      performance_monitor.record(name, value, tags)
    end

    # `config.debug_mode`: see DebugOutput.
    def debug_mode
      config.debug_mode
    end

    # Turns debug output on or off, as `config.debug_mode` does, and, as
    # 0.1.19's debug mode did, keeps a redacted copy of each event for
    # `captured_events` (at most 10,000) while it is still delivered.
    def debug_mode=(on)
      config.debug_mode = on ? true : false
      DebugOutput.use(config.debug_output)
      Native.set_keep_copies(config.debug_mode)
    end

    private

    def nested_health(metrics, healthy)
      {
        writer: writer.health_status(metrics, healthy:), delivery_engine: delivery_engine.health_status(metrics),
        correlation_manager: { current_context: current_correlation_context&.to_h, pool_stats: EventPool.pool_stats },
        performance: performance_monitor.metrics, debug_mode:,
        config: { service_name: config.service_name, environment: config.environment,
                  endpoint: Native.shown_endpoint(config.delivery.endpoint) }
      }
    end

    def unhealthy_reason(metrics)
      return "the native extension is not loaded" unless native_loaded?
      return "the agent is off (#{config.off_switch})" unless config.enabled
      if metrics[:circuit_state] != "closed"
        return "the circuit breaker is #{metrics[:circuit_state]}: #{metrics[:last_error]}"
      end

      "failing, with no delivery since: #{metrics[:last_error]}" if metrics[:failing]
    end
  end
end
