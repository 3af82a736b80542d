# frozen_string_literal: true

require "rbconfig"

module EzlogsRubyAgent
  # Where the compiled core is: lib/ezlogs_ruby_agent/<Ruby major.minor>/,
  # one per Ruby ABI, as in the precompiled gem and in a checkout built with
  # `rake compile` (so that builds for two Rubies can share it). When the
  # source gem compiles at install time, RubyGems' Cargo builder puts it in
  # the gem's extension directory: under ezlogs_ruby_agent/ (the folder
  # of ext/ezlogs_ruby_agent/Cargo.toml) since RubyGems 3.4, at the top
  # before. NativeLoader loads it.
  module NativeLibrary
    ABI = RUBY_VERSION[/\A\d+\.\d+/]
    DLEXT = RbConfig::CONFIG["DLEXT"]
    FILE = "ezlogs_ruby_agent.#{DLEXT}".freeze
    # As `require` takes them, in the order they are tried.
    FEATURES = ["ezlogs_ruby_agent/#{ABI}/ezlogs_ruby_agent", "ezlogs_ruby_agent/ezlogs_ruby_agent",
                "ezlogs_ruby_agent"].map { |feature| "#{feature}.#{DLEXT}" }.freeze

    # This Ruby's library under `lib` (a gem's or checkout's lib directory).
    def self.path(lib)
      File.join(lib, FEATURES.first)
    end

    # ["3.1", "3.3"]: the Ruby ABIs with a library in `dir` (a folder of
    # <major.minor>/ezlogs_ruby_agent.so, as lib/ezlogs_ruby_agent is).
    def self.built_abis(dir)
      abis = Dir[File.join(dir, "*", FILE)].map { |path| File.basename(File.dirname(path)) }.grep(/\A\d+\.\d+\z/)
      abis.sort_by { |abi| Gem::Version.new(abi) }
    end
  end
end
