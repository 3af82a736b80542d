# frozen_string_literal: true

module EzlogsRubyAgent
  module Testing
    # The keys an event's Hash has that an expected Hash matching it in
    # part leaves out, for a failure's hint.
    module ExtraKeys
      LISTED = 10

      module_function

      # The keys of `actual` that `expected` (which it matches in part)
      # leaves out, a nested one as `changes.updated_at` or `related[0].id`.
      def of(actual, expected, prefix = "")
        case expected
        when Hash
          given = expected.transform_keys { |key| ValueMatch.key(key) }
          actual.flat_map do |key, value|
            given.key?(key) ? of(value, given[key], "#{prefix}#{key}.") : "#{prefix}#{key}"
          end
        when Array
          expected.zip(actual).each_with_index.flat_map do |(value, item), index|
            of(item, value, "#{prefix.chomp(".")}[#{index}].")
          end
        else []
        end
      end

      # "a, b and 3 more": at most LISTED of them.
      def listed(keys)
        return keys.join(", ") if keys.size <= LISTED

        "#{keys.first(LISTED).join(", ")} and #{keys.size - LISTED} more"
      end
    end
  end
end
