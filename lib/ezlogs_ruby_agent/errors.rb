# frozen_string_literal: true

module EzlogsRubyAgent
  # Base class of every error this gem raises on purpose.
  class Error < StandardError; end

  # A configuration value is wrong; the message names the option and the fix.
  class ConfigurationError < Error; end

  # UniversalEvent.new was given input that is not a valid event.
  class InvalidEventError < Error; end
end
