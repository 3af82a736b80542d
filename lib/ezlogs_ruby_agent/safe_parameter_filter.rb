# frozen_string_literal: true

module EzlogsRubyAgent
  # Rails' own ActiveSupport::ParameterFilter over filter_parameters
  # entries, where a Proc that raises never reaches the app (AppFilter).
  module SafeParameterFilter
    # Thrown for a value a Proc raised on that cannot be masked in place:
    # the Hash it is in is then filtered again entry by entry (AppFilter).
    UNSAFE = :__ezlogs_unsafe_value

    module_function

    # A ParameterFilter leaving `mask` where `filters` (Strings, Symbols,
    # Regexps, Procs) match; nil when there are none.
    def build(filters, mask)
      return if filters.empty?

      require "active_support/parameter_filter"
      ActiveSupport::ParameterFilter.new(filters.map { |filter| guarded(filter) }, mask:)
    end

    # A Proc that cannot raise: a String it failed on is masked in place
    # (ParameterFilter hands each Proc a copy, and keeps it); for any other
    # value UNSAFE is thrown. The failure is reported once, without the
    # value.
    def guarded(filter)
      return filter unless filter.is_a?(Proc)

      pairs = filter.arity == 2
      lambda do |key, value, original|
        pairs ? filter.call(key, value) : filter.call(key, value, original)
      rescue *FAILURES => e
        ProblemReporter.app_code(e, "A filter_parameters Proc",
                                 "the value it was given is reported as #{AppFilter::MASK}", show_message: false)
        value.is_a?(String) && !value.frozen? ? value.replace(AppFilter::MASK) : throw(UNSAFE)
      end
    end
  end
end
