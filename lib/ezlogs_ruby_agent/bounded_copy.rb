# frozen_string_literal: true

module EzlogsRubyAgent
  # A copy of the Hashes and Arrays in a value the app handed over, made on
  # the calling thread before the agent reads it (JobArguments, AppFilter):
  # Symbol keys become Strings, as Rails' params have them (an event's keys
  # are text anyway), and it is cut where the native core cuts values, at a
  # cycle and past 32 levels, with the core's markers, so that nothing
  # below is ever handed over and no walk recurses without end.
  module BoundedCopy
    MAX_DEPTH = 32
    # The core's markers (truncate.rs).
    CYCLE = "[cycle]"

    module_function

    # `convert` is given every value before it is copied, and returns what
    # stands in its place.
    def of(value, &convert)
      copy(value, convert, [])
    end

    # `parents`: the Hashes and Arrays `value` is in.
    def copy(value, convert, parents)
      value = convert.call(value)
      # (`case`, not `is_a?`: a BasicObject has no is_a?.)
      case value
      when Hash, Array then nil
      else return value
      end

      marker = cut(value, parents)
      return marker if marker

      parents.push(value)
      copied = value.is_a?(Hash) ? copy_hash(value, convert, parents) : value.map { |v| copy(v, convert, parents) }
      parents.pop
      copied
    end

    def copy_hash(hash, convert, parents)
      hash.each_with_object({}) do |(key, value), copied|
        copied[key.is_a?(Symbol) ? key.name : key] = copy(value, convert, parents)
      end
    end

    def cut(value, parents)
      return CYCLE if parents.any? { |parent| parent.equal?(value) }

      "[max depth exceeded]" if parents.size >= MAX_DEPTH
    end
  end
end
