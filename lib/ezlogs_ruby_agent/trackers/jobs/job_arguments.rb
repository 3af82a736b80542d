# frozen_string_literal: true

module EzlogsRubyAgent
  # A job's arguments as `job.enqueue` and `job.execution` report them:
  # every record, wherever it sits (a positional or keyword argument, inside
  # a Hash or Array, the params of a parameterized mail), as its GlobalID
  # string, never its columns; then the app's filter_parameters the core
  # cannot apply (AppFilter).
  module JobArguments
    module_function

    def describe(arguments)
      described = Array(arguments).map do |argument|
        BoundedCopy.of(argument) { |value| value.respond_to?(:to_global_id) ? record(value) : value }
      end
      AppFilter.values(described)
    rescue StandardError => e
      ProblemReporter.internal(e, "describing job arguments")
      []
    end

    # A record that has no id yet (never saved) has no GlobalID: its class
    # says what it was.
    def record(value)
      value.to_global_id.to_s
    rescue StandardError
      "#{value.class.name} (unsaved)"
    end
  end
end
