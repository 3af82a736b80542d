# frozen_string_literal: true

require "fileutils"
require "rubygems/package"
require_relative "native_library"

module EzlogsRubyAgent
  # The precompiled gem (`rake native:gem`): the source gem's files plus the
  # core already compiled for each Ruby ABI under
  # lib/ezlogs_ruby_agent/<major.minor>/, for this machine's platform
  # (x86_64-linux). It has no extension to build, so installing it needs no
  # Rust toolchain. Not loaded by the gem itself.
  module NativeGem
    module_function

    # Writes the gem into `dir` and returns its path.
    def build(gemspec, dir)
      spec = Gem::Specification.load(gemspec) or raise "#{gemspec} could not be loaded"
      abis = built_abis(File.dirname(File.expand_path(gemspec)))
      raise "no library built under lib/ezlogs_ruby_agent/<Ruby major.minor>/: run rake compile first" if abis.empty?

      native(spec, abis)
      FileUtils.mkdir_p(dir)
      Dir.chdir(File.dirname(File.expand_path(gemspec))) do
        File.expand_path(Gem::Package.build(spec), Dir.pwd).tap { |built| FileUtils.mv(built, dir) }
      end
      File.join(dir, spec.file_name)
    end

    # ["3.1", "3.3"]: the ABIs a library is built for in this checkout.
    def built_abis(root)
      Dir[File.join(root, "lib", "ezlogs_ruby_agent", "*", "ezlogs_ruby_agent.#{NativeLibrary::DLEXT}")]
        .map { |path| File.basename(File.dirname(path)) }.sort_by { |abi| Gem::Version.new(abi) }
    end

    # The spec of the platform gem: the libraries instead of the extension,
    # for the Rubies from the oldest ABI built to the newest. (A Ruby in
    # between with no library of its own loads none, and says so.)
    def native(spec, abis)
      local = Gem::Platform.local
      spec.platform = Gem::Platform.new("#{local.cpu}-#{local.os}") # x86_64-linux, whatever the libc
      spec.extensions = []
      spec.files += abis.map { |abi| "lib/ezlogs_ruby_agent/#{abi}/ezlogs_ruby_agent.#{NativeLibrary::DLEXT}" }
      major, minor = abis.last.split(".").map(&:to_i)
      spec.required_ruby_version = [">= #{abis.first}", "< #{major}.#{minor + 1}"]
      spec
    end
  end
end
