# frozen_string_literal: true

module EzlogsRubyAgent
  # The gem's version. ext/ezlogs_ruby_agent/Cargo.toml holds the same one,
  # which the core sends as platform.agent_version and X-Ezlogs-Version;
  # the build refuses to run when the two differ (ext/ezlogs_ruby_agent/build.rs).
  VERSION = "0.2.0"
end
