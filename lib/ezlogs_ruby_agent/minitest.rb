# frozen_string_literal: true

# Minitest support: `require "ezlogs_ruby_agent/minitest"` in
# test/test_helper.rb. Every Minitest::Test (so every Rails test case) gets
# the assertions of EzlogsRubyAgent::TestHelper, and starts from an empty
# capture.
require "minitest"
require "ezlogs_ruby_agent"
require_relative "test_helper"

module EzlogsRubyAgent
  # Empties the capture before each test.
  module MinitestLifecycle
    def before_setup
      EzlogsRubyAgent.clear_captured_events
      super
    end
  end
end

Minitest::Test.include(EzlogsRubyAgent::TestHelper)
Minitest::Test.include(EzlogsRubyAgent::MinitestLifecycle)
