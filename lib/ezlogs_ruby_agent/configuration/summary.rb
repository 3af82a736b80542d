# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # `config.summary`: the settings as lines of text, under 0.1.19's
    # headings, for a console or a boot log. Secrets are left out; the
    # endpoint is shown without credentials or query.
    module Summary
      TRACKERS = { http: "HTTP", active_record: "ActiveRecord", active_job: "ActiveJob", sidekiq: "Sidekiq",
                   mail: "Mail", custom: "Custom" }.freeze

      def summary
        [["=== EZLogs Configuration Summary ===", "Service: #{service_name}", "Environment: #{environment}",
          "Agent: #{switch(enabled)}"],
         summary_instrumentation, summary_performance, summary_security, summary_delivery, summary_correlation,
         ["Included Resources: #{included_resources.inspect}", "Excluded Resources: #{excluded_resources.inspect}"]]
          .map { |lines| lines.join("\n") }.join("\n\n")
      end

      private

      def summary_instrumentation
        ["Instrumentation Settings:",
         *TRACKERS.map { |switch, label| "  #{label}: #{switch(instrumentation.public_send(switch))}" }]
      end

      def summary_performance
        ["Performance Settings:", "  Sample Rate: #{(performance.sample_rate * 100).round(2)}%",
         "  Event Buffer Size: #{performance.event_buffer_size}",
         "  Max Delivery Connections: #{performance.max_delivery_connections}",
         "  Compression: #{switch(performance.enable_compression)} (#{delivery.compression})"]
      end

      def summary_security
        ["Security Settings:", "  PII Detection: #{switch(security.auto_detect_pii)}",
         "  Sensitive Fields (besides the built-in ones): #{security.sensitive_fields.join(", ")}",
         "  Max Event Size: #{security.max_event_size} bytes"]
      end

      def summary_delivery
        ["Delivery Settings:", "  Endpoint: #{shown_url(delivery.endpoint)}", "  Timeout: #{delivery.timeout}s",
         "  Flush Interval: #{delivery.flush_interval}s", "  Batch Size: #{delivery.batch_size}",
         "  Retry Attempts: #{delivery.retry_attempts}",
         "  Circuit Breaker Threshold: #{delivery.circuit_breaker_threshold}",
         "  Circuit Breaker Timeout: #{delivery.circuit_breaker_timeout}s"]
      end

      def summary_correlation
        ["Correlation Settings:", "  Correlation Enabled: #{switch(correlation.enable_correlation)}",
         "  Max Correlation Depth: #{correlation.max_correlation_depth}"]
      end

      def switch(on) = on ? "✓ enabled" : "✗ disabled"
    end
  end
end
