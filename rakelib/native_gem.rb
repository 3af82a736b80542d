# frozen_string_literal: true

require "fileutils"
require "rubygems/package"
require "tmpdir"
require_relative "../lib/ezlogs_ruby_agent/native_library"

# The precompiled gems (rake native:gem): the source gem's files plus the
# core already compiled for each Ruby ABI under
# lib/ezlogs_ruby_agent/<major.minor>/, for one platform (x86_64-linux,
# aarch64-linux). They have no extension to build, so installing them needs
# no Rust toolchain.
module NativeGem
  module_function

  # Writes the gem for `platform` ("aarch64-linux"), with the libraries
  # found under `libraries` (a folder of <major.minor>/ezlogs_ruby_agent.so),
  # into `dir`, and returns its path.
  def build(gemspec, dir, platform, libraries)
    spec = Gem::Specification.load(gemspec) or raise "#{gemspec} could not be loaded"
    abis = built_abis(libraries)
    raise "no library built under #{libraries}/<Ruby major.minor>/ for #{platform}" if abis.empty?

    # Each file of the gem => where it is now.
    sources = spec.files.to_h { |file| [file, File.join(File.dirname(File.expand_path(gemspec)), file)] }
    abis.each { |abi| sources[library_file(abi)] = File.join(libraries, abi, library_name) }
    native(spec, platform, abis)
    FileUtils.mkdir_p(dir)
    package(spec, sources, dir)
  end

  # Builds the gem from a folder laid out as it: a checkout has a library
  # for this machine's platform where another platform's goes.
  def package(spec, sources, dir)
    Dir.mktmpdir("ezlogs-native-gem") do |stage|
      sources.each do |file, source|
        FileUtils.mkdir_p(File.dirname(File.join(stage, file)))
        FileUtils.cp(source, File.join(stage, file))
      end
      FileUtils.mv(Dir.chdir(stage) { Gem::Package.build(spec) }.then { |gem| File.join(stage, gem) }, dir)
    end
    File.join(dir, spec.file_name)
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

  # The spec of the platform gem: the libraries instead of the extension,
  # for the Rubies from the oldest ABI built to the newest. (A Ruby in
  # between with no library of its own loads none, and says so.)
  def native(spec, platform, abis)
    spec.platform = Gem::Platform.new(platform)
    spec.extensions = []
    spec.files += abis.map { |abi| library_file(abi) }
    major, minor = abis.last.split(".").map(&:to_i)
    spec.required_ruby_version = [">= #{abis.first}", "< #{major}.#{minor + 1}"]
    spec
  end

  def library_name
    "ezlogs_ruby_agent.#{EzlogsRubyAgent::NativeLibrary::DLEXT}"
  end

  def library_file(abi)
    "lib/ezlogs_ruby_agent/#{abi}/#{library_name}"
  end
end
