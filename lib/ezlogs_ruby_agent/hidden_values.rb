# frozen_string_literal: true

module EzlogsRubyAgent
  # What the app's filters that AppFilter applies hide in a value, as text:
  # for where an error's message quotes it (a job's failure quoting its
  # arguments). The core masks in a message the values it redacts itself,
  # but never sees those redacted before they reach it.
  module HiddenValues
    module_function

    # The values in `value` (a Hash, an Array, or anything else) that
    # AppFilter.values does not show as they are, as a message may write
    # them (Tracking.texts_of).
    def of(value)
      filtered = AppFilter.values(value)
      return [] if filtered.equal?(value)

      found = []
      each_hidden(BoundedCopy.of(value) { |item| item }, filtered) { |text| found << text }
      found
    end

    # Yields the texts of each value in `original` (a copy: Symbol keys as
    # Strings, as AppFilter's) that `filtered` does not show as it is.
    def each_hidden(original, filtered, &)
      if original.is_a?(Hash) || original.is_a?(Array)
        entries(original).each do |key, item|
          each_hidden(item, filtered.instance_of?(original.class) ? filtered[key] : nil, &)
        end
      elsif filtered != original
        Tracking.texts_of(original).each(&)
      end
    end

    # [key or index, item] of a Hash or an Array.
    def entries(value)
      value.is_a?(Hash) ? value : value.each_with_index.map { |item, index| [index, item] }
    end
  end
end
