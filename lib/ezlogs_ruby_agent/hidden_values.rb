# frozen_string_literal: true

module EzlogsRubyAgent
  # What the app's filters that AppFilter applies hide in a value, as text:
  # for where an error's message quotes it (a job's failure quoting its
  # arguments). The core masks in a message the values it redacts itself,
  # but never sees those redacted before they reach it.
  module HiddenValues
    module_function

    # The Strings and numbers in `value` (a Hash, an Array, or anything
    # else) that AppFilter.values does not show as they are.
    def of(value)
      filtered = AppFilter.values(value)
      return [] if filtered.equal?(value)

      found = []
      each_hidden(BoundedCopy.of(value) { |item| item }, filtered) { |text| found << text }
      found
    end

    # Yields each text in `original` (a copy: Symbol keys as Strings, as
    # AppFilter's) that `filtered` does not show as it is.
    def each_hidden(original, filtered, &)
      if original.is_a?(String) || original.is_a?(Numeric)
        yield original.to_s unless filtered == original
      else
        entries(original).each do |key, item|
          each_hidden(item, filtered.instance_of?(original.class) ? filtered[key] : nil, &)
        end
      end
    end

    # [key or index, item] of a Hash or an Array; none of anything else.
    def entries(value)
      case value
      when Hash then value
      when Array then value.each_with_index.map { |item, index| [index, item] }
      else []
      end
    end
  end
end
