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
  # A cleaner replaced (`Rails.backtrace_cleaner` is another object) starts
  # over; one changed in place (a silencer added once errors were seen)
  # applies to lines not seen yet.
  module ErrorBacktrace
    LINES = 20
    # Lines remembered; all are forgotten past it. An app's frames are a
    # few thousand at most (its code, its gems', its compiled templates'),
    # so this is reached only by code generated without end (eval with a
    # new name each time).
    REMEMBERED = 5_000
    # What the cleaner made of a line it silences.
    SILENCED = Object.new.freeze

    @cleaner = nil
    @cleaned = {}

    module_function

    # Array of up to 20 Strings; [] for an error never raised.
    def of(error)
      backtrace = Array(error.backtrace)
      cleaner = rails_cleaner
      return backtrace.first(LINES) unless cleaner

      cleaned = cleaned_lines(cleaner, backtrace)
      cleaned.empty? ? backtrace.first(LINES) : cleaned
    end

    # The first LINES lines `cleaner` keeps of `backtrace`, as it writes
    # them.
    def cleaned_lines(cleaner, backtrace)
      remembered = remembered_for(cleaner)
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

    # The lines remembered for `cleaner`, none when it is not the one they
    # were cleaned by.
    def remembered_for(cleaner)
      return @cleaned if cleaner.equal?(@cleaner)

      @cleaner = cleaner
      @cleaned = {}
    end

    def rails_cleaner
      ::Rails.backtrace_cleaner if defined?(::Rails) && ::Rails.respond_to?(:backtrace_cleaner)
    end
  end
end
