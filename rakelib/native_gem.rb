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
  # found under `libraries` (a folder of <major.minor>/ezlogs_ruby_agent.so),
  # into `dir`, stripped with `strip` (the binutils for that platform), and
  # returns its path.
  def build(gemspec, dir, platform, libraries, strip: "strip")
    spec = fresh_spec(gemspec)
    abis = built_abis(libraries)
    raise "no library built under #{libraries}/<Ruby major.minor>/ for #{platform}" if abis.empty?

    root = File.dirname(File.expand_path(gemspec))
    # Each file of the gem => where it is now.
    sources = spec.files.grep_v(RUST_SOURCES).to_h { |file| [file, File.join(root, file)] }
    abis.each { |abi| sources[library_file(abi)] = File.join(libraries, abi, library_name) }
    native(spec, platform, abis, sources.keys)
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

  # ["3.1", "3.3"]: the ABIs a library is built for under `libraries`.
  def built_abis(libraries)
    Dir[File.join(libraries, "*", library_name)]
      .map { |path| File.basename(File.dirname(path)) }.sort_by { |abi| Gem::Version.new(abi) }
  end

  # The spec of the platform gem: its files, no extension to build, for the
  # Rubies from the oldest ABI built to the newest. (A Ruby in between with
  # no library of its own loads none, and says what to do.)
  def native(spec, platform, abis, files)
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
      libraries = spec.files.grep(/\.#{EzlogsRubyAgent::NativeLibrary::DLEXT}\z/o).map { |file| File.join(stage, file) }
      system(strip, "--strip-unneeded", *libraries, exception: true)
      FileUtils.mkdir_p(dir)
      FileUtils.mv(File.join(stage, Dir.chdir(stage) { Gem::Package.build(spec) }), dir)
    end
    File.join(dir, spec.file_name)
  end

  def library_name
    "ezlogs_ruby_agent.#{EzlogsRubyAgent::NativeLibrary::DLEXT}"
  end

  def library_file(abi)
    "lib/ezlogs_ruby_agent/#{abi}/#{library_name}"
  end
end
