# frozen_string_literal: true

require "set"

module EzlogsRubyAgent
  # Tells the developer about problems without ever raising into the app,
  # and says each distinct problem only once.
  module ProblemReporter
    MAX_REMEMBERED = 1_000
    # No message is longer: a message that held an app value could
    # otherwise be any size, printed and remembered.
    MAX_MESSAGE = 1_000
    # Ruby's messages about the shape of a call, not the values in it.
    SHAPE_MESSAGE = Regexp.union("wrong number of arguments", "missing keyword", "unknown keyword",
                                 "no implicit conversion", "wrong argument type")
    GEM_ROOT = File.expand_path("..", __dir__)

    @seen = Set.new
    @lock = Mutex.new

    class << self
      # A bad call from the app: the message and the app's line that made it.
      def bad_call(message)
        location = caller_locations.find { |frame| !frame.path.start_with?(GEM_ROOT) }
        site = location ? "#{location.path}:#{location.lineno}" : "unknown location"
        once("#{message} (called from #{site}); the event was not logged")
      end

      # A setting the agent could not use, and what it did instead.
      def bad_setting(problem, instead)
        once("#{problem}; #{instead}")
      end

      # A setting the app's `configure` block made that the agent refused
      # (ConfigurationError): its message, and the app's line that made it.
      def refused_setting(error)
        location = app_frame(error)
        site = location ? " (#{location.path}:#{location.lineno})" : ""
        once("#{error.message}#{site}; the rest of that configure block was not run, and the agent is off " \
             "(it records and sends nothing) until the setting is corrected")
      end

      # A failure in code the app gave the agent (`config.actor_extractor`),
      # which the agent handed app data (a Rack env, a record, a value to
      # filter). Its message is shown only as far as it cannot hold that
      # data (`code_message`). `show_message: false` leaves it out
      # altogether, for code that was handed a secret (a filter_parameters
      # Proc).
      def app_code(error, what, consequence, show_message: true)
        location = app_frame(error)
        site = location ? " at #{location.path}:#{location.lineno}" : ""
        message = show_message ? code_message(error) : nil
        # Said once for each kind of error the code raises, whatever its
        # message names (the class of what the code was given: a Rack env,
        # then a record).
        once("#{what} raised #{error.class}#{": #{message}" if message}#{site}; #{consequence}",
             "#{what} raised #{error.class}")
      end

      # A failure inside the agent itself: its class and the agent's line
      # that raised it, never its message, which may hold an app value the
      # agent was handling (Ruby's NoMethodError shows its receiver).
      def internal(error, during)
        location = Array(error.backtrace_locations).find { |frame| frame.path.start_with?(GEM_ROOT) }
        site = location ? " at #{location.path.delete_prefix("#{GEM_ROOT}/")}:#{location.lineno}" : ""
        once("internal error during #{during}: #{error.class}#{site}; please report it")
      end

      private

      # The app's line in an error's backtrace: the first outside Ruby's
      # own code and the installed gems (Ruby 3.3 raises Integer()'s error
      # in <internal:kernel>; a record raises NoMethodError in ActiveModel's
      # method_missing), else the first line Ruby gives.
      def app_frame(error)
        frames = Array(error.backtrace_locations).reject { |frame| frame.path.start_with?("<internal:") }
        frames.find { |frame| !library?(frame.path) } || frames.first
      end

      def library?(path)
        @libraries ||= [*Gem.path, RbConfig::CONFIG["rubylibdir"], GEM_ROOT].map { |dir| File.join(dir, "") }
        @libraries.any? { |dir| path.start_with?(dir) }
      end

      # What of an app error's message can be shown. Ruby's NoMethodError
      # and NameError messages hold the receiver's `inspect` (on Ruby before
      # 3.4): a Rack env with its cookies and Authorization header, say.
      # They are told again from the method's name and the receiver's
      # class. Ruby's messages about arities and keywords (ArgumentError)
      # and types (TypeError) are shown, cut at 200 characters; others quote
      # their input (`Integer("sk_live_...")` raises "invalid value for
      # Integer(): ..."). A KeyError says "key not found" without the key,
      # which may be what the app looked up (`tokens.fetch(token)`). Any
      # other message is the app's own text, which may quote what it was
      # given: left out.
      def code_message(error)
        case error
        when NameError then undefined_message(error)
        when KeyError then "key not found" if plain_message(error).start_with?("key not found")
        when ArgumentError, TypeError
          # The first line: did_you_mean adds the receiver's other keys.
          first = error.message.lines.first.to_s.chomp
          first[0, 200] if first.start_with?(SHAPE_MESSAGE)
        end
      rescue *FAILURES # NameError#receiver raises when there is none
        nil
      end

      # Without did_you_mean's look over every key of the receiver.
      def plain_message(error)
        error.respond_to?(:original_message) ? error.original_message : error.message
      end

      # NoMethodError is a NameError.
      def undefined_message(error)
        "undefined #{error.is_a?(NoMethodError) ? "method" : "name"} `#{error.name}' for an instance of " \
          "#{error.receiver.class}"
      end

      def once(message, key = message)
        message = "#{message[0, MAX_MESSAGE]}..." if message.length > MAX_MESSAGE
        first = @lock.synchronize do
          next false if @seen.include?(key) || @seen.size >= MAX_REMEMBERED

          @seen << key
        end
        warn("[ezlogs_ruby_agent] #{message}") if first
      rescue ThreadError
        # In a signal trap a Mutex cannot be taken: say it without remembering.
        warn("[ezlogs_ruby_agent] #{message}")
      end
    end
  end
end
