# frozen_string_literal: true

require "set"

module EzlogsRubyAgent
  # Tells the developer about problems without ever raising into the app,
  # and says each distinct problem only once.
  module ProblemReporter
    MAX_REMEMBERED = 1_000
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

      # A failure in code the app gave the agent (`config.actor_extractor`).
      # `show_message: false` leaves the error's message out, for code that
      # was handed a secret (a filter_parameters Proc), whose message may
      # hold it.
      def app_code(error, what, consequence, show_message: true)
        location = Array(error.backtrace_locations).first
        site = location ? " at #{location.path}:#{location.lineno}" : ""
        message = show_message ? ": #{error.message}" : ""
        once("#{what} raised #{error.class}#{message}#{site}; #{consequence}")
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

      def once(message)
        first = @lock.synchronize do
          next false if @seen.include?(message) || @seen.size >= MAX_REMEMBERED

          @seen << message
        end
        warn("[ezlogs_ruby_agent] #{message}") if first
      rescue ThreadError
        # In a signal trap a Mutex cannot be taken: say it without remembering.
        warn("[ezlogs_ruby_agent] #{message}")
      end
    end
  end
end
