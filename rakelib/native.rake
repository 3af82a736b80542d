# frozen_string_literal: true

require_relative "cross_build"
require_relative "native_gem"

# bin/platform needs root: through sudo, with this user's Rust toolchain
# (sudo would look in root's).
as_root = if Process.uid.zero? then []
          else
            ["sudo", "env", "RUSTUP_HOME=#{ENV.fetch("RUSTUP_HOME", "#{Dir.home}/.rustup")}",
             "CARGO_HOME=#{ENV.fetch("CARGO_HOME", "#{Dir.home}/.cargo")}"]
          end

# The precompiled gems: x86_64-linux and aarch64-linux, each with the core
# for Ruby 3.1 (built here) and 3.3 (built in the Debian 13 root,
# bin/platform). They install without Rust.
namespace :native do
  desc "Cross-build the core for aarch64-linux against this Ruby's ABI, into target/native/aarch64-linux/ " \
       "(Debian's cross tools, from bin/setup)"
  task(:cross) { CrossBuild.build(CrossBuild::AARCH64) }

  desc "Build pkg/ezlogs_ruby_agent-<version>-{x86_64,aarch64}-linux.gem: the core for Ruby 3.1 (here) and 3.3 " \
       "(the Debian 13 root, bin/platform)"
  task gem: %i[compile cross] do
    sh(*as_root, "bin/platform", "debian13", "run", "bundle", "exec", "rake", "compile", "native:cross")
    Rake::Task["native:package"].invoke
  end

  desc "Package the libraries already built as platform gems, one per platform that has any, in pkg/ or " \
       "EZLOGS_GEM_DIR; prints each gem's path"
  task :package do
    dir = ENV.fetch("EZLOGS_GEM_DIR", "pkg")
    gemspec = "ezlogs_ruby_agent.gemspec"
    puts NativeGem.build(gemspec, dir, NativeGem.local_platform, "lib/ezlogs_ruby_agent")
    CrossBuild::TARGETS.each do |target|
      next if EzlogsRubyAgent::NativeLibrary.built_abis(CrossBuild.library_dir(target)).empty?

      puts NativeGem.build(gemspec, dir, target.platform, CrossBuild.library_dir(target),
                           strip: "#{target.gnu_triple}-strip")
    end
  end
end
