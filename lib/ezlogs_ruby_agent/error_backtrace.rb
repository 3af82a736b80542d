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
  # (each filter rewrites a line, each silencer drops one), so the lines
  # come out as a whole backtrace's would. What is remembered holds while
  # the cleaner is as it was (`setup`); a cleaner whose cleaning is not
  # Rails' own is handed each backtrace whole.
  module ErrorBacktrace
    LINES = 20
    # Lines remembered; all are forgotten past it. An app's frames are a
    # few thousand at most (its code, its gems', its compiled templates'),
    # so this is reached only by code generated without end (eval with a
    # new name each time).
    REMEMBERED = 5_000
    # The methods of ActiveSupport::BacktraceCleaner (Rails 6.1 to 7.2)
    # that clean; `clean_frame` is Rails 7.1's.
    CLEANING = %i[clean filter_backtrace silence clean_frame].freeze
    RAILS_CLEANERS = %w[ActiveSupport::BacktraceCleaner Rails::BacktraceCleaner].freeze

    # [the setup the lines were cleaned under, {line => what the cleaner
    # made of it}], replaced whole, so that a thread never reads one
    # setup's lines under another's.
    @remembered = [nil, {}].freeze

    module_function

    # Array of up to 20 lines (Strings, unless the app's filters make
    # something else); [] for an error never raised. A cleaner that raises
    # is reported once (ProblemReporter.app_code), and the raw lines are
    # shown.
    def of(error)
      backtrace = Array(error.backtrace)
      cleaned = cleaned(backtrace)
      cleaned.empty? ? backtrace.first(LINES) : cleaned
    end

    # The first LINES lines Rails' cleaner keeps of `backtrace`; none when
    # there is no cleaner, or it raised.
    def cleaned(backtrace)
      cleaner = ::Rails.backtrace_cleaner if defined?(::Rails) && ::Rails.respond_to?(:backtrace_cleaner)
      return [] unless cleaner

      setup = setup(cleaner)
      setup ? from_lines(cleaner, setup, backtrace) : cleaner.clean(backtrace).first(LINES)
    rescue *FAILURES => e
      ProblemReporter.app_code(e, "Rails.backtrace_cleaner", "errors' backtraces are sent as Ruby gives them")
      []
    end

    # The lines `cleaner` keeps, each from what it made of the line alone
    # (a 0- or 1-item Array: a silencer drops it, a filter may rewrite it
    # into anything, nil too), as remembered under `setup`.
    def from_lines(cleaner, setup, backtrace)
      remembered_setup, remembered = @remembered
      @remembered = [setup, remembered = {}].freeze unless setup == remembered_setup
      backtrace.each_with_object([]) do |line, kept|
        kept.concat(remembered.fetch(line) { remember(remembered, line, cleaner.clean([line]).freeze) })
        break kept if kept.size == LINES
      end
    end

    def remember(remembered, line, cleaned)
      remembered.clear if remembered.size >= REMEMBERED
      remembered[line] = cleaned
    end

    # What the cleaner's answer for a line depends on besides the line, if
    # its cleaning is Rails' own: the cleaner, its filters and silencers
    # (the two Arrays it keeps, which add_filter and add_silencer grow and
    # remove_filters! and remove_silencers! replace), and the BACKTRACE
    # variable (with which Rails 7.1 and later drop nothing). Not what a
    # filter keeps of its own (Rails 7.2's reads Rails.root once): the
    # agent's trackers run once the app has booted. nil for a cleaner that
    # cleans otherwise (an app's subclass may not answer by the line alone).
    def setup(cleaner)
      rails_own = CLEANING.all? do |name|
        !cleaner.respond_to?(name, true) || RAILS_CLEANERS.include?(cleaner.method(name).owner.name)
      end
      return unless rails_own

      [cleaner, cleaner.instance_variable_get(:@filters).dup, cleaner.instance_variable_get(:@silencers).dup,
       ENV.fetch("BACKTRACE", nil)]
    end
  end
end
