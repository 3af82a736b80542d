# frozen_string_literal: true

module EzlogsRubyAgent
  # Metrics the app records itself: `EzlogsRubyAgent.record_metric` and
  # `timing`. Kept natively as count, sum, min, max and average per name and
  # tag set (at most 1,000 series); `summary` reads them. 0.1.19's counters
  # and gauges are kept here, at most 1,000 names of each.
  class PerformanceMonitor
    SERIES_SEPARATORS = /[\\,={}]/
    MAX_NAMES = 1_000

    def initialize
      @lock = Mutex.new
      @started = {}
      @counters = {}
      @gauges = {}
    end

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
      @lock.synchronize { [@started, @counters, @gauges].each(&:clear) }
    end

    # 0.1.19's calls. `record_timing(name, duration)` records a duration in
    # the unit given; `start_timing(name)` then `end_timing(name)` records
    # the milliseconds between them, as `time` does (0.1.19's end_timing
    # always raised).
    def record_timing(name, duration) = record(name, duration)

    # Timings started on different fibers (threads) under one name are
    # kept apart.
    def start_timing(name)
      key = [name, Fiber.current]
      now = Process.clock_gettime(Process::CLOCK_MONOTONIC)
      @lock.synchronize { @started[key] = now if @started.key?(key) || @started.size < MAX_NAMES }
    end

    def end_timing(name)
      started = @lock.synchronize { @started.delete([name, Fiber.current]) }
      record(name, (Process.clock_gettime(Process::CLOCK_MONOTONIC) - started) * 1000.0) if started
    end

    # Adds `value` to the counter `name`; returns its total (nil when
    # refused: not a number, or too many names).
    def increment_counter(name, value = 1)
      return unless value.is_a?(Numeric) && value.to_f.finite?

      @lock.synchronize { @counters[name] = @counters.fetch(name, 0) + value if room?(@counters, name) }
    end

    # Sets the gauge `name` to `value`, with the time it was set.
    def set_gauge(name, value)
      @lock.synchronize { @gauges[name] = { value:, timestamp: Time.now.utc } if room?(@gauges, name) }
    end

    # {timings: {series => {count:, min:, max:, avg:}}, counters: {name =>
    # total}, gauges: {name => {value:, timestamp:}}}, as 0.1.19 gave them
    # (without its p95 and p99: the series keep no samples).
    def metrics
      counters, gauges = @lock.synchronize { [@counters.dup, @gauges.dup] }
      { timings: calculate_timing_stats, counters:, gauges: }
    end

    # Keyed by the series' name, a String; a Symbol finds it too
    # (`metrics[:timings][:db]`, as 0.1.19 was read).
    def calculate_timing_stats
      stats = summary.transform_values { |series| series.slice(:count, :min, :max, :avg) }
      stats.default_proc = ->(table, key) { table[key.to_s] if key.is_a?(Symbol) }
      stats
    end

    private

    def room?(table, name) = table.key?(name) || table.size < MAX_NAMES

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
