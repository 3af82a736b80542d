# frozen_string_literal: true

module EzlogsRubyAgent
  module Testing
    # A Hash's entries written as Ruby code, for the code a failure
    # suggests.
    module HashCode
      # Values whose `inspect` is the code that makes them.
      WRITTEN_AS_INSPECTED = [String, Symbol, Integer, Regexp, TrueClass, FalseClass, NilClass].freeze

      module_function

      # "model: \"User\", params: {id: \"1\"}": code that a pattern and a
      # method call both take, each Hash inside written with `nested`; nil
      # when a value cannot be written so (a Proc, a matcher).
      def pairs(hash, nested)
        pairs = hash.map do |key, value|
          code = literal(value, nested)
          return nil unless code

          "#{label(key)} #{code}"
        end
        pairs.join(", ")
      end

      # `model:`, or `"x-y":` for a key that is no plain label (both a
      # method call and a pattern take it, as a Symbol).
      def label(key)
        key.to_s.match?(/\A[a-z_]\w*\z/i) ? "#{key}:" : "#{key.to_s.inspect}:"
      end

      def literal(value, nested)
        case value
        when Hash then hash_code(value, nested)
        when Array then array(value, nested)
        when Range then range(value, nested)
        when Module then value.name
        when *WRITTEN_AS_INSPECTED then value.inspect
        end
      end

      # `{}` matches only an empty Hash, in a pattern as in a call.
      def hash_code(hash, nested)
        return "{}" if hash.empty?

        pairs = pairs(hash, nested)
        format(nested, pairs) if pairs
      end

      def array(items, nested)
        code = items.map { |item| literal(item, nested) }
        "[#{code.join(", ")}]" if code.all?
      end

      # A Range with both ends written (200..299).
      def range(range, nested)
        ends = [range.begin, range.end].map { |value| literal(value, nested) unless value.nil? }
        ends.join(range.exclude_end? ? "..." : "..") if ends.all?
      end
    end
  end
end
