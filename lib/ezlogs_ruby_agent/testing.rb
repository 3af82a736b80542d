# frozen_string_literal: true

# What the RSpec matchers and the Minitest assertions share. Loaded by
# `ezlogs_ruby_agent/rspec` and `ezlogs_ruby_agent/minitest`.
require "set"
require_relative "flow_tree"
require_relative "testing/logged_events"
require_relative "testing/event_query"
require_relative "testing/hash_code"
require_relative "testing/extra_keys"
require_relative "testing/failure_hint"
require_relative "testing/type_hint"
require_relative "testing/flow_check"
