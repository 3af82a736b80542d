# frozen_string_literal: true

require "json"
require "stringio"
require "time"
require "tmpdir"
require "ezlogs_ruby_agent"
require_relative "support/collector"
require_relative "support/subprocess"

RSpec.configure do |config|
  config.disable_monkey_patching!
  config.order = :random
  Kernel.srand config.seed
  config.example_status_persistence_file_path = "spec/examples.txt"

  config.include Subprocess

  config.around do |example|
    # Each example sees the agent's once-only messages afresh, and a fresh
    # configuration: the first one too, which would otherwise see what the
    # app's initializer set at boot (and so depend on the order).
    EzlogsRubyAgent::ProblemReporter.instance_variable_get(:@seen).clear
    EzlogsRubyAgent.reset_configuration
    EzlogsRubyAgent.clear_correlation_context
    EzlogsRubyAgent.clear_captured_events
    EzlogsRubyAgent.test_mode { example.run }
  ensure
    EzlogsRubyAgent.clear_correlation_context
    EzlogsRubyAgent.reset_configuration
    EzlogsRubyAgent.performance_monitor.reset
  end
end

# The events captured in test mode, as the hashes that would be sent.
def captured
  EzlogsRubyAgent.captured_events.map { |entry| entry[:event] }
end

def log(**overrides)
  EzlogsRubyAgent.log_event(event_type: "user.action", action: "clicked", actor: { type: "user", id: 1 }, **overrides)
end

# Runs the block with the environment variables `values` set (nil: unset),
# then puts them back.
def with_env(values)
  saved = values.keys.to_h { |key| [key, ENV.fetch(key, nil)] }
  values.each { |key, value| ENV[key] = value }
  yield
ensure
  saved.each { |key, value| ENV[key] = value }
end

# Runs the block with Encoding.default_internal set to `encoding` (the
# encoding String#inspect writes in), then puts it back.
def with_default_internal(encoding)
  saved = Encoding.default_internal
  Encoding.default_internal = encoding
  yield
ensure
  Encoding.default_internal = saved
end

# Runs the block with $stderr captured, and returns what it wrote.
def quietly
  original = $stderr
  $stderr = StringIO.new
  yield
  $stderr.string
ensure
  $stderr = original
end
