# frozen_string_literal: true

module EzlogsRubyAgent
  # What the filters hide in a value, as text: for where an error's message
  # quotes it (a job's failure quoting its arguments). The core masks in a
  # message the values it redacts, as it converted them; it never sees
  # those AppFilter redacted before they reached it, nor how Ruby writes a
  # Time, a Date or a BigDecimal it redacted by its key.
  module HiddenValues
    module_function

    # The values in `original` (a copy of a Hash, an Array, or anything
    # else) that `filtered` (AppFilter.copy_and_values gives the two) does
    # not show as they are, and those under a key the core redacts, as a
    # message may write them (Tracking.texts_of).
    def between(original, filtered)
      found = []
      each_hidden(original, filtered) { |text| found << text }
      found
    end

    # Yields the texts of each value in `original` that `filtered` (its
    # copy, filtered) does not show as it is (nil: hidden whole).
    def each_hidden(original, filtered, &)
      case original
      when Hash, Array
        entries(original).each do |key, item|
          each_hidden(item, shown?(key, original, filtered) ? filtered[key] : nil, &)
        end
      else
        Tracking.texts_of(original).each(&) unless filtered == original
      end
    end

    # Whether the entry `key` of `original` may be shown: `filtered` is
    # still of its kind, and the core does not redact the key.
    def shown?(key, original, filtered)
      filtered.instance_of?(original.class) && !(key.is_a?(String) && Native.sensitive_key?(key))
    end

    # [key or index, item] of a Hash or an Array.
    def entries(value)
      value.is_a?(Hash) ? value : value.each_with_index.map { |item, index| [index, item] }
    end
  end
end
