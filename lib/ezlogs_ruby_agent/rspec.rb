# frozen_string_literal: true

# RSpec support: `require "ezlogs_ruby_agent/rspec"` in spec_helper.rb or
# rails_helper.rb. Every example group gets have_logged_event and
# have_correlation_flow (Testing::RSpecMatchers), and every example starts
# from an empty capture.
require "ezlogs_ruby_agent"
require "ezlogs_ruby_agent/testing"
require_relative "testing/rspec_matchers"

RSpec.configure do |config|
  config.include EzlogsRubyAgent::Testing::RSpecMatchers
  config.before { EzlogsRubyAgent.clear_captured_events }
end
