# frozen_string_literal: true

require_relative "cross_build"
require_relative "native_gem"

# bin/platform needs root: through sudo, with this user's Rust toolchain
# (sudo would look in root's).
def as_root
  return [] if Process.uid.zero?

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
    [NativeGem.local_platform, *CrossBuild::TARGETS.keys].each do |platform|
      Rake::Task["native:package"].invoke(platform)
      Rake::Task["native:package"].reenable
    end
  end

  desc "Package the libraries already built for a platform (default: this machine's) as a platform gem, " \
       "in pkg/ or EZLOGS_GEM_DIR"
  task :package, [:platform] do |_task, args|
    platform = args.fetch(:platform) { NativeGem.local_platform }
    # rake compile's libraries for this machine's platform, rake native:cross's for another.
    libraries = if platform == NativeGem.local_platform
                  "lib/ezlogs_ruby_agent"
                else
                  CrossBuild.library_dir(CrossBuild.target(platform))
                end
    puts NativeGem.build("ezlogs_ruby_agent.gemspec", ENV.fetch("EZLOGS_GEM_DIR", "pkg"), platform, libraries)
  end
end
