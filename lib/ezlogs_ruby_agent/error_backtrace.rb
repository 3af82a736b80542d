# frozen_string_literal: true

module EzlogsRubyAgent
  # The backtrace an event shows of an error: its first 20 lines after
  # `Rails.backtrace_cleaner` (the app's own frames, as Rails' error pages
  # show them), or the raw first lines when cleaning leaves none (the
  # error came from a gem with no app frame on the stack, as Rails'
  # RoutingError of a 404 does).
  #
  # The cleaner is handed one line at a time, and what it made of each line
  # is remembered: the same frames come back with every error, and Rails'
  # filters and silencers (regular expressions over every gem's path) cost
  # about 2.5 µs a line, some 150 µs for an action's error 58 lines deep
  # (benches/trackers.rb, GET /boom). Rails' cleaner decides line by line
  # (ActiveSupport::BacktraceCleaner#clean: each filter rewrites a line, each
  # silencer drops one), so the lines come out as a whole backtrace's would.
  # What is remembered holds while the cleaner stays as it was (Setup.of);
  # a cleaner of another kind is handed each backtrace whole.
  module ErrorBacktrace
    LINES = 20
    # Lines remembered; all are forgotten past it. An app's frames are a
    # few thousand at most (its code, its gems', its compiled templates'),
    # so this is reached only by code generated without end (eval with a
    # new name each time).
    REMEMBERED = 5_000
    # What the cleaner made of a line it silences.
    SILENCED = Object.new.freeze

    @setup = nil
    @cleaned = {}

    module_function

    # Array of up to 20 Strings; [] for an error never raised.
    def of(error)
      backtrace = Array(error.backtrace)
      cleaner = rails_cleaner
      return backtrace.first(LINES) unless cleaner

      setup = Setup.of(cleaner)
      cleaned = setup ? cleaned_lines(cleaner, setup, backtrace) : cleaner.clean(backtrace).first(LINES)
      cleaned.empty? ? backtrace.first(LINES) : cleaned
    end

    # The first LINES lines `cleaner` keeps of `backtrace`, as it writes
    # them.
    def cleaned_lines(cleaner, setup, backtrace)
      remembered = remembered_for(setup)
      backtrace.each_with_object([]) do |line, kept|
        cleaned = remembered.fetch(line) { remember(remembered, line, cleaner.clean([line]).first) }
        kept << cleaned unless cleaned.equal?(SILENCED)
        break kept if kept.size == LINES
      end
    end

    # `cleaned`: what the cleaner made of `line`, nil when it silenced it.
    # Frozen, as every event that shows the line shares it.
    def remember(remembered, line, cleaned)
      remembered.clear if remembered.size >= REMEMBERED
      remembered[line] = cleaned ? -cleaned.to_s : SILENCED
    end

    # The lines remembered under `setup`, none when the cleaner was set up
    # otherwise when they were cleaned.
    def remembered_for(setup)
      return @cleaned if setup == @setup

      @setup = setup
      @cleaned = {}
    end

    def rails_cleaner
      ::Rails.backtrace_cleaner if defined?(::Rails) && ::Rails.respond_to?(:backtrace_cleaner)
    end

    # What a cleaner's answer for a line depends on besides the line: the
    # cleaner, its filters and silencers, and the BACKTRACE variable (with
    # which Rails 7.1 and later clean nothing away).
    module Setup
      module_function

      # Where `clean` is Rails' own, which answers line by line.
      RAILS_CLEAN = %w[ActiveSupport::BacktraceCleaner Rails::BacktraceCleaner].freeze

      # An Array equal to another cleaner's only while the two would clean
      # alike; nil for a cleaner whose `clean` is not Rails' own (the app's
      # may not answer by the line alone). Its filters and silencers are
      # the two Arrays ActiveSupport::BacktraceCleaner keeps: add_filter and
      # add_silencer grow them, remove_filters! and remove_silencers! put
      # others in their place.
      def of(cleaner)
        return unless RAILS_CLEAN.include?(cleaner.method(:clean).owner.name)

        filters = cleaner.instance_variable_get(:@filters)
        silencers = cleaner.instance_variable_get(:@silencers)
        return unless filters.is_a?(Array) && silencers.is_a?(Array)

        [cleaner, *filters, nil, *silencers, ENV.fetch("BACKTRACE", nil)]
      end
    end
  end
end
