# frozen_string_literal: true

module EzlogsRubyAgent
  # Metrics the app records itself: `EzlogsRubyAgent.record_metric` and
  # `timing`. Kept natively as count, sum, min, max and average per name and
  # tag set (at most 1,000 series); `summary` reads them.
  class PerformanceMonitor
    SERIES_SEPARATORS = /[\\,={}]/

    # Records `value` under `name` and `tags`; false when refused (not a
    # finite number, or too many series). Never raises.
    def record(name, value, tags = {})
      number = Float(value, exception: false)
      return false unless number

      Native.record_metric(series(name, tags), number) ? true : false
    end

    # Runs the block and records how long it took, in milliseconds, even
    # when it raises. Returns the block's value.
    def time(name, tags = {})
      started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
      yield
    ensure
      record(name, (Process.clock_gettime(Process::CLOCK_MONOTONIC) - started) * 1000.0, tags) if started
    end

    def summary
      Native.app_metrics || {}
    end

    def reset
      Native.clear_app_metrics
    end

    private

    def series(name, tags)
      return name.to_s if tags.nil? || tags.empty?

      "#{name}{#{tags.map { |key, value| "#{escape(key)}=#{escape(value)}" }.sort.join(",")}}"
    end

    # A tag's separators, escaped, so that two tag sets never name the same
    # series ({a: "1,b=2"} and {a: "1", b: "2"}).
    def escape(part)
      part.to_s.gsub(SERIES_SEPARATORS) { |separator| "\\#{separator}" }
    end
  end
end
