# frozen_string_literal: true

require_relative "positional_arguments"

module EzlogsRubyAgent
  # A job's arguments as `job.enqueue` and `job.execution` report them:
  # every record, wherever it sits (a positional or keyword argument, inside
  # a Hash or Array, the params of a parameterized mail), as its GlobalID
  # string, never its columns; then the app's filter_parameters the core
  # cannot apply (AppFilter), and those that name a positional argument
  # (PositionalArguments).
  module JobArguments
    GLOBAL_ID_KEY = "_aj_globalid"
    # Marks a value one of ActiveJob's serializers wrote (a Symbol, a Time,
    # an app's own).
    SERIALIZER_KEY = "_aj_serialized"
    PLAIN_ID = /\A[\w-]+\z/

    module_function

    # `serialized`: the same arguments as ActiveJob serialised them, when it
    # did (its job data's "arguments"): the GlobalIDs it wrote there are
    # taken rather than made again, which costs some 150 Ruby calls each.
    # They are looked for once a record is met: most jobs have none.
    # `job_class`: the job's class (or its name), whose parameters name
    # positional arguments.
    # Returns [the arguments as events report them, a block that gives the
    # `secrets` from the same pass of the filters (a failed run asks for
    # them): a Proc filter is handed each value once, and an object's
    # as_json runs once]. The block is nil when describing failed.
    def described(arguments, serialized = nil, job_class = nil)
      written = nil
      copies = Array(arguments).map do |argument|
        BoundedCopy.of(argument) do |value|
          defined?(value.to_global_id) ? record(value, written ||= global_ids_in(serialized)) : value
        end
      end
      PositionalArguments.redact(copies, job_class)
    rescue *FAILURES => e
      ProblemReporter.internal(e, "describing job arguments")
      [[], nil]
    end

    # The values `described` masks, of the arguments as the job was given
    # them, as text: for where its error's message quotes them (the core
    # masks those it redacts itself). `hidden`: `described`'s block, when
    # the arguments were described.
    def secrets(arguments, job_class, hidden = nil)
      (hidden || PositionalArguments.redact(BoundedCopy.of(Array(arguments)) { _1 }, job_class).last).call
    rescue *FAILURES => e
      ProblemReporter.internal(e, "looking for the secrets in job arguments")
      []
    end

    # The GlobalID strings in ActiveJob's serialised arguments, in the order
    # BoundedCopy meets their records in the arguments: none inside a value
    # a serializer wrote, which BoundedCopy does not walk into either.
    def global_ids_in(serialized, found = [], depth = 0)
      if global_id?(serialized)
        found << serialized[GLOBAL_ID_KEY]
      elsif depth < BoundedCopy::MAX_DEPTH && walked?(serialized)
        items = serialized.is_a?(Hash) ? serialized.each_value : serialized
        items.each { |item| global_ids_in(item, found, depth + 1) }
      end
      found
    end

    # How ActiveJob writes a record: { "_aj_globalid" => "gid://..." }.
    def global_id?(serialized)
      serialized.is_a?(Hash) && serialized.size == 1 && serialized.key?(GLOBAL_ID_KEY)
    end

    # Arrays, and Hashes other than a serializer's value.
    def walked?(serialized)
      serialized.is_a?(Array) || (serialized.is_a?(Hash) && !serialized.key?(SERIALIZER_KEY))
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
    # taken from the front) when it is this record's, else made now. A
    # record that has no id yet (never saved) has no GlobalID: its class
    # says what it was.
    def record(value, written = [])
      global_id = written.shift
      global_id && this_apps?(global_id, value) ? global_id : value.to_global_id.to_s
    rescue *FAILURES
      "#{value.class.name} (unsaved)"
    end

    # Whether `global_id` is what GlobalID writes for `record` in this app,
    # for an id it writes as it is (an Integer, or a String of letters,
    # digits, "_" and "-", such as a UUID): an id GlobalID escapes, a
    # composite key, and a model's own to_global_id (which may write
    # another string, or one that changes with the record) are left to it.
    def this_apps?(global_id, record)
      id = record.id
      plain = id.is_a?(Integer) || (id.is_a?(String) && id.match?(PLAIN_ID))
      plain && record.method(:to_global_id).owner == ::GlobalID::Identification &&
        global_id == "gid://#{::GlobalID.app}/#{record.class.name}/#{id}"
    rescue *FAILURES
      false
    end
  end
end
