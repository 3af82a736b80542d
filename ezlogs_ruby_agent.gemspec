# frozen_string_literal: true

require_relative "lib/ezlogs_ruby_agent/version"

Gem::Specification.new do |spec|
  spec.name = "ezlogs_ruby_agent"
  spec.version = EzlogsRubyAgent::VERSION
  spec.authors = ["ezlogs"]
  spec.summary = "Rails event tracking with a Rust core: requests, record changes and jobs linked into flows."
  spec.description = "Turns every HTTP request, ActiveRecord change and background job into one event schema, " \
                     "correlated into flows and shipped in batches, at almost no cost to the host app."
  spec.license = "MIT"
  spec.required_ruby_version = ">= 3.1"

  spec.files = Dir["lib/**/*.{rb,rake,tt}", "ext/**/*.{rs,toml}", "Cargo.toml", "Cargo.lock", "README.md",
                   "UPGRADING.md"]
  spec.require_paths = ["lib"]
  # RubyGems' own Cargo builder compiles the crate at install time and puts
  # the library in the gem's extension directory (see NativeLibrary).
  spec.extensions = ["ext/ezlogs_ruby_agent/Cargo.toml"]
  spec.metadata["rubygems_mfa_required"] = "true"

  # Neither is needed to log events; the trackers of each hook into it
  # when the app has it. These are the versions they support (tested:
  # Rails 6.1 and 7.2, Sidekiq 6.4 and 7.3).
  spec.add_development_dependency "rails", ">= 6.1"
  spec.add_development_dependency "sidekiq", ">= 6.4"
end
