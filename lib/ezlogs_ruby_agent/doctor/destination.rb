# frozen_string_literal: true

require "socket"
require "uri"

module EzlogsRubyAgent
  class Doctor
    # Where events go: the endpoint's host resolves, and the endpoint takes
    # a test event (sent through the agent's own pipeline, so that what is
    # checked is what the app does).
    module Destination
      # The drops a delivery attempt makes (metrics[:events_dropped]).
      DELIVERY_DROPS = %i[rejected retries_exhausted endpoint_unavailable too_large].freeze

      private

      # None without the native extension: its own verdict says so.
      def destination
        return [] unless @config.enabled && EzlogsRubyAgent.native_loaded?

        endpoint = @config.delivery.endpoint
        resolution = resolve(endpoint.delete_prefix("otlp+")) if endpoint.match?(%r{\A(otlp\+)?https?://})
        return [resolution] if resolution&.status == :fail

        [resolution, test_event].compact
      end

      # The endpoint's host resolves, or a failure saying it does not.
      def resolve(endpoint)
        uri = URI.parse(endpoint)
        addresses = Addrinfo.getaddrinfo(uri.host, uri.port, nil, :STREAM).map(&:ip_address).uniq
        ok("endpoint host #{uri.host} resolves to #{addresses.first(3).join(", ")}")
      rescue SocketError, URI::Error => e
        failure("endpoint host #{uri&.host.inspect} does not resolve (#{e.message})",
                "check the host in #{@config.delivery.endpoint_setting}")
      end

      def test_event
        return failure("the agent is off (#{@config.off_switch}): nothing is sent", "turn it on to send events") unless
          @config.enabled
        return not_loaded unless EzlogsRubyAgent.native_loaded?

        shown = Native.shown_endpoint(@config.delivery.endpoint)
        before = EzlogsRubyAgent.metrics
        id = Tracking.record("ezlogs.doctor", "test_event", actor: { type: "system", id: "ezlogs-doctor" },
                                                            metadata: { host: Socket.gethostname })
        return failure("the test event could not be recorded (see stderr)", "run rake ezlogs:doctor") unless id
        return ok("a test event (#{id}) was captured in memory (test mode); nothing is sent") if Native.test_mode?

        if @config.delivery.prints_only?
          return ok("a test event (#{id}) was printed to the Rails log (#{shown}); nothing is sent. " \
                    "Set delivery.endpoint or EZLOGS_ENDPOINT to send events to a collector")
        end

        delivered_verdict(shown, id, before)
      end

      def not_loaded
        failure("no test event: the native extension is not loaded (#{NATIVE_LOAD_ERROR.message}), so nothing " \
                "is recorded or sent", NativeLoader.fix)
      end

      def delivered_verdict(shown, id, before)
        delivered, after = wait_for_answer(before)
        if delivered && after[:events_delivered] == before[:events_delivered]
          return warning("the test event (#{id}) was sampled out (performance.sample_rate " \
                         "#{@config.performance.sample_rate}), so the endpoint was not tried", "run it again")
        end
        return ok("endpoint #{shown} took a test event (#{id})#{http_answer(after)}") if delivered

        error = after[:last_error] unless after[:last_error_at] == before[:last_error_at]
        problem = error || "no answer within #{@wait} s"
        failure("endpoint #{shown} did not take a test event (#{id}): #{problem}. #{fate(before)}", fix_for(error))
      end

      # What became of the test event: dropped by the delivery it was tried
      # in (a collector that refuses it, retries spent, an endpoint the
      # agent cannot use), or still queued for a retry. Half a second more
      # lets the worker settle the batch it just tried.
      def fate(before)
        EzlogsRubyAgent.flush(timeout: 0.5)
        dropped = EzlogsRubyAgent.metrics[:events_dropped].slice(*DELIVERY_DROPS)
                                 .find { |reason, count| count > before[:events_dropped][reason] }
        return "The event was dropped, counted in metrics[:events_dropped][:#{dropped.first}]" if dropped

        "The event stays queued: the exit line on stderr counts it if it is still not delivered"
      end

      # Waits until the test event is delivered, a send fails (a collector
      # that refuses says so at once, and retries would only wait longer),
      # or @wait seconds pass. Returns [delivered, metrics].
      def wait_for_answer(before)
        deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + @wait
        loop do
          delivered = EzlogsRubyAgent.flush(timeout: 0.2)
          after = EzlogsRubyAgent.metrics
          return [delivered, after] if delivered || after[:last_error_at] != before[:last_error_at] ||
                                       Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
        end
      end

      def http_answer(metrics)
        status = metrics[:last_http_status].to_i
        status.positive? ? ": it answered HTTP #{status}" : ""
      end

      def fix_for(error)
        case error.to_s
        when /Connection refused|tcp connect error/ then nothing_listens
        when /HTTP 401|HTTP 403/
          "check delivery.api_key and #{@config.delivery.header_settings} against what the collector expects"
        when /HTTP 404/ then "check the path of #{path_hint}"
        when /HTTP 4\d\d/ then "see the collector's answer above; it refuses the events as sent"
        when /timed out|shutdown_timeout/
          "the collector did not answer in time; check it, or raise delivery.timeout"
        else "check that the collector runs and that #{@config.delivery.endpoint_setting} names it"
        end
      end

      def nothing_listens
        setting = @config.delivery.endpoint_setting
        if setting == "delivery.endpoint" && !@config.delivery.endpoint_chosen?
          "start the ezlogs agent (it listens on 127.0.0.1:9000), or set delivery.endpoint to your collector"
        else
          "start the collector there, or correct #{setting} to name it"
        end
      end

      def path_hint
        setting = @config.delivery.endpoint_setting
        if setting == "OTEL_EXPORTER_OTLP_ENDPOINT"
          "#{setting}: give it the receiver's base URL (the agent appends /v1/logs)"
        elsif @config.delivery.otlp?
          "#{setting} (an OpenTelemetry Collector takes POST /v1/logs)"
        else
          "#{setting} (the ezlogs agent takes POST /events)"
        end
      end
    end
  end
end
