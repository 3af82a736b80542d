# frozen_string_literal: true

module EzlogsRubyAgent
  # Base class of every error this gem raises on purpose.
  class Error < StandardError; end

  # A configuration value is wrong; the message names the option and the fix.
  class ConfigurationError < Error; end

  # UniversalEvent.new was given input that is not a valid event.
  class InvalidEventError < Error; end

  # What app code the agent runs (a filter Proc, an `as_json`, an
  # actor_extractor), or the agent itself, may raise that is a failure,
  # reported and never raised into the app: a StandardError, a ScriptError
  # (NotImplementedError), a SystemStackError or a NoMemoryError, as the
  # core tells them apart (helpers.rs, `value_failure`). Anything else
  # interrupts the thread (a signal, `exit`, a timeout, Sidekiq's
  # shutdown) and goes on as it came.
  FAILURES = [StandardError, ScriptError, SystemStackError, NoMemoryError].freeze
end
