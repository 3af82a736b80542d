# frozen_string_literal: true

require_relative "rust_regexp"

module EzlogsRubyAgent
  class Configuration
    # Rails' `filter_parameters`, split between the native redactor and
    # Rails' own ParameterFilter (AppFilter), so that every entry is
    # honoured as Rails honours it. Strings, Symbols and Regexps the native
    # matcher compiles go to the core, which matches them against every key
    # of an event. Procs, Regexps it cannot match as Ruby does, and dotted
    # filters (matched by Rails against the path of nested keys, which the
    # core does not see) are applied in Ruby, on the app's threads.
    class FilterParameters
      INSTEAD = "it is applied with Rails' ParameterFilter on the app's threads"

      # `list`: the entries as Rails has them; `native_patterns`: Rust
      # regex sources for the core; `in_ruby`: the entries AppFilter
      # applies; `dotted`: those of them that name a nested key, a model's
      # attribute ("user.name").
      attr_reader :list, :native_patterns, :in_ruby, :dotted

      def initialize(list)
        @list = list
        @native_patterns = []
        @in_ruby = []
        @reasons = []
        list.each { |filter| sort(filter) }
        @dotted = @in_ruby.select { |filter| !filter.is_a?(Proc) && dotted?(filter) }
      end

      # Which entries are applied in Ruby, and why: nothing is amiss, so
      # they go to the Rails log with the boot line (BootLine), not to
      # stderr, where they would be noise in every test run.
      def notes
        @reasons.map { |reason| "#{reason}; #{INSTEAD}" }
      end

      private

      # An entry that cannot even be examined is applied in Ruby, as Rails
      # would apply it.
      def sort(filter)
        return in_ruby!(filter, "#{described(filter)}, which the native matcher cannot run") if filter.is_a?(Proc)

        sort_pattern(filter)
      rescue *FAILURES => e
        in_ruby!(filter, "filter_parameters has an entry (#{filter.class}) that could not be examined (#{e.class})")
      end

      def sort_pattern(filter)
        source, refused = native_source(filter)
        if refused
          in_ruby!(filter, "#{described(filter)} uses syntax the native matcher does not support (#{refused})")
        else
          @native_patterns << source
          @in_ruby << filter if dotted?(filter)
        end
      end

      # Rails makes a String (or anything else, by to_s) a case-insensitive
      # pattern of the text.
      def native_source(filter)
        return RustRegexp.native(filter) if filter.is_a?(Regexp)

        ["(?i)#{Regexp.escape(filter.to_s)}", nil]
      end

      # As ActiveSupport::ParameterFilter tells them apart. The core matches
      # a dotted filter against each key alone, Rails against the path of
      # nested keys ("card.number"): both apply it. Not said at boot: Rails
      # adds one for every encrypted attribute ("encrypted_rich_text.body"
      # in a new Rails 7.2 app), and nothing is amiss.
      def dotted?(filter)
        filter.is_a?(Regexp) ? filter.to_s.include?("\\.") : Regexp.escape(filter.to_s).include?("\\.")
      end

      def in_ruby!(filter, reason)
        @in_ruby << filter
        @reasons << reason
      end

      # An entry as a message shows it: a Proc by where it is defined, never
      # by what it holds.
      def described(filter)
        return "filter_parameters #{filter.inspect}" if filter.is_a?(Regexp) || filter.is_a?(Symbol)
        return "filter_parameters #{filter.to_s.inspect}" unless filter.is_a?(Proc)

        path, line = filter.source_location
        "filter_parameters has a Proc#{" (#{path.delete_prefix("#{Dir.pwd}/")}:#{line})" if path}"
      end
    end
  end
end
