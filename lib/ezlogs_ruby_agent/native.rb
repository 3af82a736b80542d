# frozen_string_literal: true

require_relative "native_library"

# See lib/ezlogs_ruby_agent.rb.
module EzlogsRubyAgent
  # Loads the Rust core. When it cannot be loaded (not compiled, or built
  # for another platform) the gem says so once and turns into a no-op, so
  # the host app still boots.
  module NativeLoader
    COMPILE = "reinstall the gem so that it compiles for this platform (`gem pristine ezlogs_ruby_agent`), " \
              "or in a checkout of the gem run `bundle exec rake compile`."
    SOURCE_GEM = "It compiles the core at install time, with Rust: in the Gemfile, " \
                 "`gem \"ezlogs_ruby_agent\", force_ruby_platform: true`, then `bundle install`."

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
        # The error worth showing: a library that is there and failed
        # to load, rather than one that is not there.
        first_error = e if first_error.nil? || missing?(first_error)
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
        Event tracking is disabled; the app runs normally. To fix it, #{fix}
      MESSAGE
    end

    # What to do, by what this gem is: a precompiled gem has no Rust sources
    # to compile, and carries the core for some Rubies on one platform.
    def self.fix
      return COMPILE if File.exist?(File.expand_path("../../ext/ezlogs_ruby_agent/Cargo.toml", __dir__))

      built = Dir[File.join(__dir__, "*", "ezlogs_ruby_agent.#{NativeLibrary::DLEXT}")]
              .map { |path| File.basename(File.dirname(path)) }.sort
      if built.include?(NativeLibrary::ABI)
        "use the source gem: this precompiled gem runs on x86_64 and aarch64 Linux with glibc 2.34 or later. " \
          "#{SOURCE_GEM}"
      else
        "use the source gem: this precompiled gem carries the core for Ruby #{built.join(" and ")}, not " \
          "#{RUBY_VERSION}. #{SOURCE_GEM}"
      end
    end
  end

  # Why the native extension is not loaded, or nil when it is.
  NATIVE_LOAD_ERROR = NativeLoader.load

  def self.native_loaded?
    NATIVE_LOAD_ERROR.nil?
  end
end
