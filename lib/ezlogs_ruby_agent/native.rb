# frozen_string_literal: true

require_relative "native_library"

# See lib/ezlogs_ruby_agent.rb.
module EzlogsRubyAgent
  # Loads the Rust core. When it cannot be loaded (not compiled, or built
  # for another platform) the gem says so once and turns into a no-op, so
  # the host app still boots.
  module NativeLoader
    RECOMPILE_ADVICE = "Reinstall the gem so that it compiles for this platform (`bundle pristine " \
                       "ezlogs_ruby_agent`, or `gem pristine ezlogs_ruby_agent` outside Bundler), or in a " \
                       "checkout of the gem run `bundle exec rake compile`."
    SOURCE_GEM_ADVICE = "Use the source gem, which compiles the core at install time with Rust: in the Gemfile, " \
                        "`gem \"ezlogs_ruby_agent\", force_ruby_platform: true` (Bundler 2.3.18 or later; before, " \
                        "`bundle config set --local force_ruby_platform true`, which applies to every gem), then " \
                        "`bundle install`."
    # ELF e_machine => RubyGems' CPU name.
    ELF_MACHINES = { 0x3e => "x86_64", 0xb7 => "aarch64" }.freeze

    # Stands in for the native module: every call does nothing and returns nil.
    module NullNative
      def self.method_missing(_name, *_args)
        nil
      end

      def self.respond_to_missing?(_name, _include_private = false)
        true
      end
    end

    def self.load
      first_error = nil
      NativeLibrary::FEATURES.each do |feature|
        require feature
        return nil
      rescue LoadError, StandardError => e
        # The error worth showing: a library that is there and failed to
        # load, rather than one that is not there; else this Ruby's path.
        first_error = e if first_error.nil? || (missing?(first_error) && !missing?(e))
      end
      report(first_error)
      EzlogsRubyAgent.const_set(:Native, NullNative)
      first_error
    end

    def self.missing?(error)
      error.is_a?(LoadError) && error.message.start_with?("cannot load such file")
    end

    def self.report(error)
      warn <<~MESSAGE.tr("\n", " ").strip
        [ezlogs_ruby_agent] The native extension could not be loaded (#{error.class}: #{error.message}).
        Event tracking is disabled; the app runs normally. #{fix}
      MESSAGE
    end

    # What to do, by what this gem is: a precompiled gem has no Rust sources
    # to compile, and carries the core for some Rubies on one platform.
    def self.fix
      return RECOMPILE_ADVICE if File.exist?(File.expand_path("../../ext/ezlogs_ruby_agent/Cargo.toml", __dir__))

      built = NativeLibrary.built_abis(__dir__)
      unless built.include?(NativeLibrary::ABI)
        return "This precompiled gem carries the core for Ruby #{built.join(" and ")}, not #{RUBY_VERSION}. " \
               "#{SOURCE_GEM_ADVICE}"
      end

      cpu = ELF_MACHINES[File.binread(NativeLibrary.path(File.dirname(__dir__)), 2, 18).unpack1("v")]
      cpu == Gem::Platform.local.cpu ? other_libc : wrong_cpu(cpu)
    rescue *FAILURES
      SOURCE_GEM_ADVICE
    end

    # The gem is the one for another CPU: `cpu`, or one it does not know.
    def self.wrong_cpu(cpu)
      here = Gem::Platform.local.cpu
      "This precompiled gem is #{cpu ? "the #{cpu}-linux one" : "built for another CPU"}, and this machine is " \
        "#{here}: install the gem for this platform (`bundle lock --add-platform #{here}-linux`, then " \
        "`bundle install` here; a vendor/bundle or Docker layer copied from another machine has the other one)."
    end

    def self.other_libc
      libc = begin
        require "etc" # only now: every other boot has no use for it
        Etc.confstr(Etc::CS_GNU_LIBC_VERSION)
      rescue *FAILURES
        nil
      end
      "This precompiled gem needs glibc 2.34 or later, and this machine has #{libc || "another C library"}. " \
        "#{SOURCE_GEM_ADVICE}"
    end
  end

  # Why the native extension is not loaded, or nil when it is.
  NATIVE_LOAD_ERROR = NativeLoader.load

  def self.native_loaded?
    NATIVE_LOAD_ERROR.nil?
  end
end
