# frozen_string_literal: true

require "fileutils"
require "rubygems/package"
require "tmpdir"
require_relative "../lib/ezlogs_ruby_agent/native_library"

# The precompiled gems (rake native:gem): the source gem's Ruby files plus
# the core already compiled for each Ruby ABI under
# lib/ezlogs_ruby_agent/<major.minor>/, for one platform (x86_64-linux,
# aarch64-linux). They have no extension to build, so installing them needs
# no Rust toolchain, and they leave the Rust sources out.
module NativeGem
  RUST_SOURCES = %r{\A(?:ext/|Cargo\.)}

  module_function

  # Writes the gem for `platform` ("aarch64-linux"), with the libraries
  # found in `library_dir` (a folder of <major.minor>/ezlogs_ruby_agent.so),
  # into `dir`, stripped with `strip` (the binutils for that platform), and
  # returns its path.
  def build(gemspec, dir, platform, library_dir, strip: "strip")
    spec = fresh_spec(gemspec)
    abis = EzlogsRubyAgent::NativeLibrary.built_abis(library_dir)
    if abis.empty?
      raise "no library built in #{library_dir}/<Ruby major.minor>/ for #{platform}: run `bundle exec rake compile` " \
            "(this platform) or `bundle exec rake native:cross` (aarch64-linux) first"
    end

    root = File.dirname(File.expand_path(gemspec))
    # Each file of the gem => where it is now.
    sources = spec.files.grep_v(RUST_SOURCES).to_h { |file| [file, File.join(root, file)] }
    abis.each { |abi| sources[library_file(abi)] = File.join(library_dir, abi, EzlogsRubyAgent::NativeLibrary::FILE) }
    platform_spec(spec, platform, abis, sources.keys)
    package(spec, sources, dir, strip)
  end

  # The gemspec as a new object: RubyGems caches what it loads by path, and
  # a spec keeps the first platform it is given (in `original_platform`,
  # which is what the gem's metadata records), so a second gem made from the
  # cached one would claim the first one's platform.
  def fresh_spec(gemspec)
    loaded = Gem::Specification.load(gemspec) or raise "#{gemspec} could not be loaded"
    Gem::Specification.from_yaml(loaded.to_yaml)
  end

  # x86_64-linux here: the platform a gem built on this machine runs on,
  # whatever the libc.
  def local_platform
    local = Gem::Platform.local
    "#{local.cpu}-#{local.os}"
  end

  # The spec of the platform gem: its files, no extension to build, for the
  # Rubies from the oldest ABI built to the newest. (A Ruby in between with
  # no library of its own loads none, and says what to do.)
  def platform_spec(spec, platform, abis, files)
    spec.platform = Gem::Platform.new(platform)
    spec.extensions = []
    spec.files = files.sort
    major, minor = abis.last.split(".").map(&:to_i)
    spec.required_ruby_version = [">= #{abis.first}", "< #{major}.#{minor + 1}"]
    spec
  end

  # Builds the gem from a folder laid out as it: a checkout has a library
  # for this machine's platform where another platform's goes. The
  # libraries lose their symbol tables (a fifth of their size; panics are
  # caught and reported without them).
  def package(spec, sources, dir, strip)
    Dir.mktmpdir("ezlogs-native-gem") do |stage|
      sources.each do |file, source|
        FileUtils.mkdir_p(File.dirname(File.join(stage, file)))
        FileUtils.cp(source, File.join(stage, file))
      end
      libraries = spec.files.grep(/\.#{EzlogsRubyAgent::NativeLibrary::DLEXT}\z/).map { |file| File.join(stage, file) }
      strip_symbols(strip, libraries)
      FileUtils.mkdir_p(dir)
      FileUtils.mv(File.join(stage, Dir.chdir(stage) { Gem::Package.build(spec) }), dir)
    end
    File.join(dir, spec.file_name)
  end

  def strip_symbols(strip, libraries)
    system(strip, "--strip-unneeded", *libraries, exception: true)
  rescue Errno::ENOENT
    raise "#{strip} is not installed: run bin/setup, which installs binutils for each platform built"
  end

  def library_file(abi)
    "lib/ezlogs_ruby_agent/#{abi}/#{EzlogsRubyAgent::NativeLibrary::FILE}"
  end
end
