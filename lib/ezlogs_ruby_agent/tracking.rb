# frozen_string_literal: true

module EzlogsRubyAgent
  # What the built-in trackers share: emitting an event, and running their
  # own code so that a failure in it is reported but never reaches the app.
  module Tracking
    module_function

    # Emits an event from a tracker; returns its event_id, or nil when it
    # could not be built (counted as invalid and reported once).
    def record(event_type, action, actor:, subject: nil, metadata: nil, timing: nil, event_id: nil, context: nil)
      Native.record(event_type, action, actor, subject, metadata, timing, event_id, context)
    rescue *FAILURES => e
      ProblemReporter.internal(e, "recording #{event_type}")
      nil
    end

    def safely(during)
      yield
    rescue *FAILURES => e
      ProblemReporter.internal(e, during)
      nil
    end

    # Whether the agent and `instrumentation.<switch>` are on, as they are
    # now (Configuration#switches): an initializer, or a test, can change
    # them after the hooks are installed.
    def enabled?(switch)
      EzlogsRubyAgent.config.switches[switch] || false
    end

    # How events name a model class as a `type`: Rails' singular model name
    # ("user" for User, "admin_user" for Admin::User, "pdf_invoice" for
    # PDFInvoice), so that a record is named alike wherever it appears.
    def model_type(model)
      model.model_name.singular
    end

    # The same for a class that is not a model or cannot be loaded: what
    # its model name would be.
    def model_type_named(class_name)
      ResourceFilter.underscore(class_name).tr("/", "_")
    end

    def clock_ms
      Process.clock_gettime(Process::CLOCK_MONOTONIC, :float_millisecond)
    end

    # The `timing` block of work that started at `started_at` (a Time) and
    # `started_ms` (clock_ms then), and ends now.
    def timing(started_at, started_ms)
      { started_at:, completed_at: Time.now, duration_ms: (clock_ms - started_ms).round(3) }
    end

    # Milliseconds from `epoch` (seconds, as Sidekiq and job payloads keep
    # them) to `time`; never negative, as clocks of two hosts may disagree.
    def ms_since(epoch, time)
      ((time.to_f - epoch.to_f) * 1000).round(3).clamp(0, Float::INFINITY)
    end

    # {class:, message:, backtrace:} of an exception, bounded: the message
    # whole (the core cuts it to 1,000 characters once it has masked the
    # values the event redacts), the backtrace to 20 lines (ErrorBacktrace:
    # the app's own frames, as Rails' cleaner shows them).
    # A block given shows the message's text otherwise (masked).
    def error_summary(error, &)
      { class: class_name(error), message: error_message(error, &), backtrace: ErrorBacktrace.of(error) }
    end

    # error_summary with `secrets` (texts the event's own redaction does not
    # see: the values Rails filtered out of a request, a job's positional
    # arguments) masked where its message quotes them, and those of the
    # record an error names (ActiveRecord::RecordInvalid's "Validation
    # failed: ..." may quote any of its attributes).
    def masked_error_summary(error, secrets)
      secrets = Array(secrets) + record_secrets(error)
      return error_summary(error) if secrets.empty?

      error_summary(error) { |message| masked(message, secrets) }
    end

    # `message` with each secret masked where it quotes it, by the core's
    # rules for an error's message (quoted_secrets: also as `inspect`
    # writes it and %-encoded; none of fewer than 4 characters); all of it when that
    # fails.
    def masked(message, secrets)
      texts = secrets.map { |secret| secret.dup.force_encoding(Encoding::UTF_8).scrub }
      Native.masked_quotes(message.dup.force_encoding(Encoding::UTF_8).scrub, texts) || message
    rescue *FAILURES
      AppFilter::MASK
    end

    # The ways a message may write `value`, for masking it there: a String
    # as it is; anything else by `to_s` and `inspect` (a BigDecimal's
    # differ: `24680.1357`, `0.246801357e5`), a time also by `iso8601` and
    # in UTC, as a Time and in Rails' UTC zone (a job's arguments come back
    # in UTC on Rails 6.1). None for nil, true and false, a Hash or an
    # Array (whose values are looked at one by one), or a BasicObject.
    def texts_of(value)
      case value
      when String then [value]
      when nil, true, false, Hash, Array then []
      else defined?(value.inspect) ? written(value) : []
      end
    end

    def written(value)
      forms = [value]
      if defined?(value.getutc)
        utc = value.getutc
        forms.push(utc, defined?(utc.in_time_zone) ? utc.in_time_zone("UTC") : utc)
      end
      forms.flat_map { |form| [form.to_s, form.inspect, (form.iso8601 if defined?(form.iso8601))] }.compact.uniq
    rescue *FAILURES
      []
    end

    # The values the filters mask of the record `error` is about
    # (RecordInvalid, RecordNotSaved); none for another error.
    def record_secrets(error)
      record = error.record if error.respond_to?(:record)
      CallbacksTracker::RecordJson.record?(record) ? CallbacksTracker::ModelFilters.secrets(record) : []
    rescue *FAILURES
      []
    end

    # An anonymous class (`raise Class.new(StandardError)`) is named by the
    # first named class it inherits from.
    def class_name(error)
      error.class.ancestors.find { |ancestor| ancestor.is_a?(Class) && ancestor.name }&.name
    end

    # Errors whose message quotes the text that failed to parse, which may
    # hold a secret (a request body, a query string or a URL with a
    # password):
    # Rails' ParseError and BadRequest carry the parser's message.
    QUOTING_ERRORS = %w[JSON::ParserError Rack::QueryParser::InvalidParameterError URI::InvalidURIError].freeze
    # Where such a message's quote of the input begins: at a quote or a
    # parenthesis (`unexpected token at '{"password": ...`, `invalid
    # %-encoding (password=...)`, `bad URI(is not URI?): "..."`), or, bare,
    # after Rails' `Invalid encoding for parameter: ` (ActionDispatch's
    # check of each parameter's encoding).
    QUOTED_INPUT = /['"(`]|(?<=for parameter: )/

    # The message; from where it quotes the input (QUOTED_INPUT) on left
    # out for an error (or its cause) that quotes what it failed to parse.
    def error_message(error)
      message = error.message.to_s
      if quotes_input?(error) && (quote = message.index(QUOTED_INPUT))
        message = "#{message[0, quote]}[FILTERED]"
      end
      block_given? ? yield(message) : message
    end

    def quotes_input?(error)
      5.times do
        return false unless error
        return true if error.class.ancestors.any? { |ancestor| QUOTING_ERRORS.include?(ancestor.name) }

        error = error.cause
      end
      false
    end
  end
end
