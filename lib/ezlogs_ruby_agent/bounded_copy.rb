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
    DEPTH_EXCEEDED = "[max depth exceeded]"

    module_function

    # `convert` is given every value before it is copied, and returns what
    # stands in its place.
    def of(value, &convert)
      copy(value, convert, [])
    end

    # `parents`: the Hashes, Arrays and objects `value` is in (an object
    # that `convert` makes a Hash of is kept itself, so that a cycle
    # through it is cut when it is met again, before it is converted). A
    # String or a number is never one of them, and is not looked for.
    def copy(value, convert, parents)
      # (`case`, not `is_a?`: a BasicObject has no is_a?.)
      case value
      when String, Symbol, Integer, Float, true, false, nil then return convert.call(value)
      end
      return CYCLE if parents.any? { |parent| parent.equal?(value) }

      converted = convert.call(value)
      case converted
      when Hash, Array then nil
      else return converted
      end
      return DEPTH_EXCEEDED if parents.size >= MAX_DEPTH

      parents.push(value)
      copied = converted.is_a?(Hash) ? copy_hash(converted, convert, parents) : copy_array(converted, convert, parents)
      parents.pop
      copied
    end

    def copy_array(array, convert, parents) = array.map { |item| copy(item, convert, parents) }

    # A Hash of keyword arguments (flagged by `ruby2_keywords`, as ActiveJob
    # keeps them) stays one, for what the job's parameters bind it to
    # (PositionalArguments).
    def copy_hash(hash, convert, parents)
      copied = hash.each_with_object({}) do |(key, value), entries|
        entries[key.is_a?(Symbol) ? key.name : key] = copy(value, convert, parents)
      end
      Hash.ruby2_keywords_hash?(hash) ? Hash.ruby2_keywords_hash(copied) : copied
    end

    def cut(value, parents)
      return CYCLE if parents.any? { |parent| parent.equal?(value) }

      DEPTH_EXCEEDED if parents.size >= MAX_DEPTH
    end
  end
end
