# frozen_string_literal: true

require "rbconfig"

module EzlogsRubyAgent
  # Where the compiled core is: lib/ezlogs_ruby_agent/<Ruby major.minor>/,
  # one per Ruby ABI, as in the precompiled gem and in a checkout built with
  # `rake compile` (so that builds for two Rubies can share it); else
  # lib/ezlogs_ruby_agent.so, where RubyGems' Cargo builder puts it when
  # the source gem compiles at install time. NativeLoader loads it.
  module NativeLibrary
    ABI = RUBY_VERSION[/\A\d+\.\d+/]
    DLEXT = RbConfig::CONFIG["DLEXT"]
    # As `require` takes them, in the order they are tried.
    FEATURES = ["ezlogs_ruby_agent/#{ABI}/ezlogs_ruby_agent.#{DLEXT}", "ezlogs_ruby_agent.#{DLEXT}"].freeze

    # This Ruby's library under `lib` (a gem's or checkout's lib directory).
    def self.path(lib)
      File.join(lib, FEATURES.first)
    end
  end
end
