# frozen_string_literal: true

module EzlogsRubyAgent
  # A job's arguments as `job.enqueue` and `job.execution` report them:
  # every record, wherever it sits (a positional or keyword argument, inside
  # a Hash or Array, the params of a parameterized mail), as its GlobalID
  # string, never its columns; then the app's filter_parameters the core
  # cannot apply (AppFilter).
  module JobArguments
    GLOBAL_ID_KEY = "_aj_globalid"
    # Marks a value one of ActiveJob's serializers wrote (a Symbol, a Time,
    # an app's own).
    SERIALIZER_KEY = "_aj_serialized"

    module_function

    # `serialized`: the same arguments as ActiveJob serialised them, when it
    # did (its job data's "arguments"): the GlobalIDs it wrote there are
    # taken rather than made again, which costs some 150 Ruby calls each.
    def describe(arguments, serialized = nil)
      written = global_ids_in(serialized)
      described = Array(arguments).map do |argument|
        BoundedCopy.of(argument) { |value| value.respond_to?(:to_global_id) ? record(value, written) : value }
      end
      AppFilter.values(described)
    rescue StandardError => e
      ProblemReporter.internal(e, "describing job arguments")
      []
    end

    # The GlobalID strings in ActiveJob's serialised arguments, in the order
    # BoundedCopy meets their records in the arguments: none inside a value
    # a serializer wrote, which BoundedCopy does not walk into either.
    def global_ids_in(serialized, found = [], depth = 0)
      if marked?(serialized, GLOBAL_ID_KEY)
        found << serialized[GLOBAL_ID_KEY]
      elsif depth < BoundedCopy::MAX_DEPTH && !marked?(serialized, SERIALIZER_KEY)
        entries(serialized).each { |_key, item| global_ids_in(item, found, depth + 1) }
      end
      found
    end

    def marked?(serialized, key)
      serialized.is_a?(Hash) && serialized.key?(key)
    end

    # ActiveJob's serialised arguments (ActiveJob::Arguments) as the app
    # gave them, as far as JSON can say: a record as its GlobalID string,
    # without the markers ActiveJob adds to Hashes ("_aj_symbol_keys", ...).
    def from_serialized(arguments)
      BoundedCopy.of(arguments) do |value|
        next value unless value.is_a?(Hash)

        value.key?(GLOBAL_ID_KEY) ? value[GLOBAL_ID_KEY] : value.reject { |key, _| key.to_s.start_with?("_aj_") }
      end
    end

    # Where the records are in arguments that Sidekiq will write as JSON,
    # every column with them (a plain worker given a record): [[path,
    # description]], kept in the job so that its run reports them as the
    # enqueue did (`restore_records`). Empty when there are none. Like
    # BoundedCopy, it stops at a cycle and past its depth.
    def record_paths(arguments, path = [], found = [], parents = [])
      if arguments.respond_to?(:to_global_id)
        found << [path, record(arguments)]
      elsif !BoundedCopy.cut(arguments, parents)
        parents.push(arguments)
        entries(arguments).each { |key, value| record_paths(value, path + [key], found, parents) }
        parents.pop
      end
      found
    end

    # A copy of the arguments a job runs with, the records in them (which
    # Sidekiq handed over as their columns) put back as `record_paths` saw
    # them.
    def restore_records(arguments, paths)
      return arguments unless paths.is_a?(Array) && !paths.empty?

      copy = BoundedCopy.of(arguments) { |value| value }
      paths.each do |path, description|
        *parents, last = path
        holder = parents.reduce(copy) { |value, key| entries(value).to_h[key] }
        holder[last] = description if entries(holder).to_h.key?(last)
      end
      copy
    end

    # [key, value] of a Hash (String keys, as JSON has them) or [index,
    # value] of an Array; none of anything else.
    def entries(value)
      case value
      when Hash then value.map { |key, item| [key.to_s, item] }
      when Array then value.each_with_index.map { |item, index| [index, item] }
      else []
      end
    end

    # A record's GlobalID string: the next one ActiveJob wrote (`written`,
    # taken from the front) when it names this record's class and id, else
    # made now. A record that has no id yet (never saved) has no GlobalID:
    # its class says what it was.
    def record(value, written = [])
      global_id = written.shift
      global_id && names?(global_id, value) ? global_id : value.to_global_id.to_s
    rescue StandardError
      "#{value.class.name} (unsaved)"
    end

    def names?(global_id, record)
      global_id.is_a?(String) && global_id.end_with?("/#{record.class.name}/#{record.id}")
    rescue StandardError
      false
    end
  end
end
