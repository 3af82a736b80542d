# frozen_string_literal: true

require "fileutils"
require "rbconfig"
require_relative "../lib/ezlogs_ruby_agent/native_library"

# Cross-builds the core for another Linux CPU (rake native:cross) with
# Rust's target, Debian's cross compiler and linker, and the headers and
# rbconfig.rb of Debian's Ruby for that CPU, unpacked into a sysroot. The
# spec installs the cross-built gem in that Ruby, run by QEMU's user-mode
# emulator. bin/setup installs and unpacks all of it.
module CrossBuild
  # One target: RubyGems' platform name, Rust's target triple, the GNU
  # triple of Debian's cross tools and multiarch paths, QEMU's emulator.
  Target = Struct.new(:platform, :rust_triple, :gnu_triple, :emulator, keyword_init: true)

  AARCH64 = Target.new(platform: "aarch64-linux", rust_triple: "aarch64-unknown-linux-gnu",
                       gnu_triple: "aarch64-linux-gnu", emulator: "qemu-aarch64")
  TARGETS = [AARCH64].freeze
  ROOT = File.expand_path("..", __dir__)
  TARGET_DIR = File.join(ROOT, "target", "cross")

  module_function

  # target/native/aarch64-linux: one folder per Ruby ABI, as in the gem.
  def library_dir(target)
    File.join(ROOT, "target", "native", target.platform)
  end

  # Builds the core for `target` against the running Ruby's ABI (3.1 here,
  # 3.3 in the Debian 13 root) and puts it in library_dir/<major.minor>/.
  # Returns its path.
  #
  # Both platforms build in target/cross (the root sees this checkout at
  # /ezlogs, and the same cargo registry): after the other one built, this
  # one rebuilds only what depends on Ruby's headers (rb-sys, magnus, the
  # core, about 30 s), not the crates below them, which are the same for
  # both (about 2 minutes on 2 cores). A fresh clone (CI) pays the 2
  # minutes once, not twice; switching platforms pays the 30 s each time.
  def build(target)
    cargo = ["cargo", "build", "--release", "--locked", "--lib", "--target", target.rust_triple]
    system(environment(target), *cargo, chdir: ROOT, exception: true)
    native = EzlogsRubyAgent::NativeLibrary
    built = File.join(TARGET_DIR, target.rust_triple, "release", "lib#{native::FILE}")
    File.join(library_dir(target), native::ABI, native::FILE).tap do |library|
      FileUtils.mkdir_p(File.dirname(library))
      FileUtils.cp(built, library)
    end
  end

  # What cargo builds with. rb-sys, when told it is cross-compiling, takes
  # every RbConfig value from an RBCONFIG_<key> variable instead of asking
  # the running Ruby; cc and bindgen are pointed at the cross compiler.
  def environment(target)
    triple = target.rust_triple.tr("-", "_")
    gnu = target.gnu_triple
    rbconfig(target).to_h { |key, value| ["RBCONFIG_#{key}", value.to_s] }
                    .merge("RBCONFIG_CROSS_COMPILING" => "yes", "CARGO_TARGET_DIR" => TARGET_DIR,
                           "CARGO_TARGET_#{triple.upcase}_LINKER" => "#{gnu}-gcc",
                           "CC_#{triple}" => "#{gnu}-gcc", "AR_#{triple}" => "#{gnu}-ar",
                           "BINDGEN_EXTRA_CLANG_ARGS_#{triple}" => "--target=#{gnu} -I/usr/#{gnu}/include")
  end

  # RbConfig::CONFIG of the target's Ruby, of this Ruby's version: its
  # rbconfig.rb in the sysroot, read by a Ruby that has not loaded its own.
  # Its paths (the headers') are under the sysroot: they are made from
  # where the file is.
  def rbconfig(target)
    path = File.join(sysroot(target), "usr", "lib", target.gnu_triple, "ruby", RbConfig::CONFIG["ruby_version"],
                     "rbconfig.rb")
    unless File.exist?(path)
      setup = ENV["EZLOGS_PLATFORM"] ? "bin/platform #{ENV["EZLOGS_PLATFORM"]} setup (on the host)" : "bin/setup"
      raise "#{path} is missing: Debian's #{target.platform} Ruby #{RUBY_VERSION} is not unpacked. Run #{setup}, " \
            "which installs the cross compiler and unpacks that Ruby."
    end

    script = "load ARGV[0]; $stdout.write Marshal.dump(RbConfig::CONFIG)"
    dump = IO.popen([RbConfig.ruby, "--disable-gems", "-e", script, path], &:read)
    raise "#{path} could not be read" unless $?.success? # rubocop:disable Style/SpecialGlobalVars

    Marshal.load(dump) # rubocop:disable Security/MarshalLoad -- our own child's output
  end

  # tmp/cross/aarch64-linux/ruby3.1: where bin/setup unpacks Debian's
  # packages of this Ruby for the target (interpreter, library, headers,
  # rbconfig.rb).
  def sysroot(target)
    File.join(ROOT, "tmp", "cross", target.platform, "ruby#{EzlogsRubyAgent::NativeLibrary::ABI}")
  end

  # The target's Ruby, of this Ruby's version, as a command: QEMU running
  # the interpreter from the sysroot, and looking there first for every
  # file it opens (libruby, the standard library's arm64 extensions); the
  # C libraries they link with are installed (multiarch).
  def ruby(target)
    [target.emulator, "-L", sysroot(target),
     File.join(sysroot(target), "usr", "bin", "ruby#{EzlogsRubyAgent::NativeLibrary::ABI}")]
  end
end
