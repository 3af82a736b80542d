# frozen_string_literal: true

module EzlogsRubyAgent
  # Arguments a job was given by position, named by the parameters that
  # take them: its `perform`'s (ActiveJob, Sidekiq), or, for a mail sent
  # with `deliver_later` (through MailDeliveryJob, an app's own, or Rails
  # 6.1's legacy DeliveryJob), the mailer method's. Rails' filter_parameters
  # reach keys only, and Rails logs the token of
  # `ResetMailer.reset(user, token).deliver_later` as it is; here an
  # argument whose name the app filters is "[REDACTED]", as a keyword
  # argument of that name is: by the core's rule for keys
  # (filter_parameters' Strings, Symbols and Regexps,
  # security.sensitive_fields, the built-in names), then by the entries
  # only Rails' ParameterFilter applies (AppFilter: Procs, dotted ones).
  module PositionalArguments
    POSITIONAL = %i[req opt rest].freeze
    KEYWORDS = %i[key keyreq keyrest].freeze
    # What a method that hands all its arguments on takes.
    PASSED_ON = %i[rest keyrest block].freeze
    # How Ruby 3.2 and later name an anonymous `*`, `**` or `&` (3.1: nil).
    ANONYMOUS = [nil, :*, :**, :&].freeze

    module_function

    # `described`: a job's arguments as JobArguments copied them (an
    # Array, changed in place), with the app's filters applied (AppFilter),
    # each value once: each argument a parameter names under its name, so
    # that a dotted "card.number" or a Proc on "bio" reaches a Hash, an
    # Array or an object given by position; the others as they come.
    # `job_class`: the job's class, or its name.
    # Returns [the filtered copy, a block that gives the texts of what the
    # filters hid (HiddenValues), from the same pass of the filters].
    def redact(described, job_class)
      named = taken_out(described, job_class)
      compared = [AppFilter.copy_and_values(described)]
      filtered = compared.first.last
      list, = positional(filtered, job_class)
      named.each do |index, name, value|
        compared << AppFilter.copy_and_values({ name => value })
        next unless list.is_a?(Array) # the filters masked the list whole

        list[index] = Native.sensitive_key?(name) ? AppFilter::MASK : compared.last.last.fetch(name, value)
      end
      [filtered, -> { compared.flat_map { |pair| HiddenValues.between(*pair) } }]
    end

    # [[index, name, value]] of each argument a parameter names in `copy`
    # (its index in the list `positional` finds), each then left out of it
    # (nil), to be filtered under its name alone.
    def taken_out(copy, job_class)
      named = []
      each_named(copy, job_class) do |list, index, name|
        named << [index, name, list[index]]
        list[index] = nil
      end
      named
    end

    # Yields (the Array, index, parameter name) for each positional argument
    # a parameter names.
    def each_named(arguments, job_class)
      list, first, method = positional(arguments, job_class)
      return unless list.is_a?(Array) && method

      names(method, list.drop(first)).each_with_index { |name, index| yield list, first + index, name if name }
    end

    # [an Array, the index of its first positional argument, the method
    # that takes them]: a job's perform (private too, as ActiveJob runs it)
    # and its arguments; a mail delivery's mailer method and the "args" of
    # its last argument (copied, or as ActiveJob has it); or, for Rails
    # 6.1's legacy delivery job, the mailer method and the arguments after
    # those its perform takes first (mailer, method, delivery method, and
    # a parameterized mail's params). `job`: the job's class, or its name.
    def positional(arguments, job)
      job = constant(job)
      return legacy_mail_delivery(arguments, job) if legacy_mail_delivery?(job)
      return [arguments, 0, method_of(job, :perform)] unless mail_delivery?(job)

      mailer, name, _, mail = arguments
      [mail["args"] || mail[:args], 0, method_of(constant(mailer), name)] if mail.is_a?(Hash)
    end

    def legacy_mail_delivery(arguments, job)
      perform = method_of(job, :perform)
      mailer, name = arguments
      [arguments, leading_required(perform.parameters).size, method_of(constant(mailer), name)] if perform
    end

    # ActionMailer's delivery job, or the app's own (`delivery_job`), whose
    # arguments are [mailer, method, delivery method, {"args" => [...]}].
    def mail_delivery?(job)
      defined?(::ActionMailer::MailDeliveryJob) && job.is_a?(Class) && job <= ::ActionMailer::MailDeliveryJob
    end

    # Rails 6.1's ActionMailer::DeliveryJob (the default of an app on
    # `load_defaults` 5.2 or older) or its Parameterized::DeliveryJob, whose
    # arguments are [mailer, method, delivery method, (params,) *args].
    # Asked only once Rails loaded it: an app that never used it has no
    # job of that class (and Rails 7 has none).
    def legacy_mail_delivery?(job)
      job.is_a?(Class) && defined?(::ActionMailer) && ::ActionMailer.const_defined?(:DeliveryJob, false) &&
        ::ActionMailer.autoload?(:DeliveryJob).nil? && job <= ::ActionMailer::DeliveryJob
    end

    # The parameter's name for each of `list`'s arguments, as Ruby binds
    # them: the required ones first and last, then the optional ones, then
    # a `*rest`'s; nil for one none takes or an anonymous `*` takes, and
    # for a trailing Hash of keywords: one flagged so (ActiveJob hands
    # keyword arguments over as one, flagged by `ruby2_keywords`, and keeps
    # the flag through its serialisation; BoundedCopy keeps it too). Ruby 3
    # binds any other Hash by position.
    def names(method, list)
      count = positional_count(method.parameters, list)
      bound(method.parameters.select { |type, _| POSITIONAL.include?(type) }, count)
        .first(count).map { |_, name| name.to_s unless ANONYMOUS.include?(name) }
    end

    # The positional parameters `count` arguments are bound to, in order.
    def bound(taken, count)
      first = leading_required(taken)
      last = leading_required(taken.drop(first.size).reverse).reverse
      first + middle(taken, count - first.size - last.size) + last
    end

    def positional_count(parameters, list)
      keywords = list.last.is_a?(Hash) && Hash.ruby2_keywords_hash?(list.last) &&
                 parameters.any? { |type, _| KEYWORDS.include?(type) }
      keywords ? list.size - 1 : list.size
    end

    def leading_required(parameters)
      parameters.take_while { |type, _| type == :req }
    end

    # The optional parameters `free` arguments reach, then the `*rest` for
    # those left.
    def middle(taken, free)
      optional = taken.select { |type, _| type == :opt }.first([free, 0].max)
      rest = taken.find { |type, _| type == :rest }
      rest ? optional + Array.new([free - optional.size, 0].max, rest) : optional
    end

    # `owner`'s instance method `name`, or nil (a class or method renamed
    # since the job was enqueued). A wrapper that takes every argument
    # without naming them (`def perform(*args, **kwargs, &) = super`, or
    # `(...)`: a subclass's, or a module's an instrumentation gem
    # prepends) names none: the method above it does, to which it most
    # likely hands them on. A job's own `perform(*args)` over ActiveJob's
    # or Sidekiq's names none either way (they take an anonymous `*`).
    def method_of(owner, name)
      method = owner.instance_method(name.to_s) if owner.is_a?(Module)
      method = method.super_method while wrapper?(method)
      method
    rescue *FAILURES
      nil
    end

    # Whether `method` has one above it, and takes any arguments without
    # naming them apart.
    def wrapper?(method)
      parameters = method&.parameters
      method&.super_method && parameters.any? { |type, _| type == :rest } &&
        parameters.all? { |type, _| PASSED_ON.include?(type) }
    end

    # The class a job or mailer names (a class stays itself), or nil.
    def constant(name)
      name.is_a?(Module) ? name : Object.const_get(name.to_s)
    rescue *FAILURES
      nil
    end
  end
end
