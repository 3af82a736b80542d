# frozen_string_literal: true

require_relative "../collectors"
require_relative "../job"

module Soak
  module Scenarios
    # What the scenarios share: making Jobs against the harness's collectors.
    class Scenario
      # Retries and the circuit breaker made fast, so that a few minutes hold
      # many open / half-open cycles; exits wait 2 s at most.
      FAST_DELIVERY = {
        retry_backoff: 0.05, circuit_breaker_threshold: 2, circuit_breaker_timeout: 2,
        flush_interval: 0.5, shutdown_timeout: 2
      }.freeze

      attr_reader :collectors

      def initialize(collectors)
        @collectors = collectors
      end

      def name
        self.class::NAME
      end

      # Lines about this scenario's results for the report, besides the table.
      def details(_results)
        []
      end

      private

      def build(id, rng, kind:, mode:, params:, endpoint: nil, **options)
        Job.new(id:, scenario: name, collector: kind, mode:, body: self.class::BODY,
                endpoint: endpoint || collectors.fetch(kind).url, params: { seed: rng.rand(2**31), **params },
                shutdown_timeout: params.dig(:delivery, :shutdown_timeout) || 5.0, **options)
      end

      def pick(rng, weights)
        total = weights.values.sum
        roll = rng.rand(total)
        weights.each do |value, weight|
          return value if roll < weight

          roll -= weight
        end
      end
    end
  end
end
