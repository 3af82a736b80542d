# frozen_string_literal: true

module EzlogsRubyAgent
  # Arguments a job was given by position, named by the parameters that
  # take them: its `perform`'s (ActiveJob, Sidekiq), or, for a mail sent
  # with `deliver_later`, the mailer method's. Rails' filter_parameters
  # reach keys only, and Rails logs the token of
  # `ResetMailer.reset(user, token).deliver_later` as it is; here an
  # argument whose name the app filters is "[REDACTED]", as a keyword
  # argument of that name is: by the core's rule for keys
  # (filter_parameters' Strings, Symbols and Regexps,
  # security.sensitive_fields, the built-in names), then by the entries
  # only Rails' ParameterFilter applies (AppFilter: Procs, dotted ones).
  module PositionalArguments
    # ActionMailer's delivery job, whose arguments are [mailer, method,
    # delivery method, {"args" => [the mailer method's arguments], ...}].
    MAIL_DELIVERY_JOB = "ActionMailer::MailDeliveryJob"

    module_function

    # `described`: a job's arguments as JobArguments copied them (an Array,
    # changed in place). `job_class`: the job's class name.
    def redact(described, job_class)
      each_named(described, job_class) { |list, index, name| list[index] = filtered(name, list[index]) }
      described
    end

    # The arguments `redact` masks, of the arguments as the job was given
    # them, as text (Strings and numbers): for where its error's message
    # quotes them.
    def secrets(arguments, job_class)
      found = []
      each_named(Array(arguments), job_class) do |list, index, name|
        value = list[index]
        found << value.to_s if (value.is_a?(String) || value.is_a?(Numeric)) && filtered(name, value) != value
      end
      found
    rescue StandardError => e
      ProblemReporter.internal(e, "naming job arguments")
      []
    end

    # Yields (the Array, index, parameter name) for each positional argument
    # a parameter names.
    def each_named(arguments, job_class)
      list, method = positional(arguments, job_class)
      return unless list.is_a?(Array) && method

      names(method, list.size).each_with_index { |name, index| yield list, index, name if name }
    end

    # [the positional arguments, the method that takes them]: a job's
    # perform and its arguments, or a mail delivery's mailer method and the
    # "args" of its last argument (copied, or as ActiveJob has it).
    def positional(arguments, job_class)
      return [arguments, instance_method(job_class, :perform)] unless job_class == MAIL_DELIVERY_JOB

      mailer, name, _, mail = arguments
      [mail["args"] || mail[:args], instance_method(mailer, name)] if mail.is_a?(Hash)
    end

    # The parameter's name for each of `count` positional arguments; a
    # `*rest`'s for those past the others.
    def names(method, count)
      parameters = method.parameters
      named = parameters.filter_map { |type, name| name.to_s if %i[req opt].include?(type) && name }
      rest = parameters.find { |type, _| type == :rest }&.last&.to_s
      Array.new(count) { |index| named.fetch(index, rest) }
    end

    def filtered(name, value)
      return AppFilter::MASK if Native.sensitive_key?(name)

      AppFilter.values({ name => value }).fetch(name, value)
    end

    # `owner`'s public instance method `name`, or nil (an anonymous job, a
    # class or method renamed since the job was enqueued).
    def instance_method(owner, name)
      Object.const_get(owner.to_s).public_instance_method(name.to_s)
    rescue StandardError
      nil
    end
  end
end
