# frozen_string_literal: true

require_relative "native_library"

# See lib/ezlogs_ruby_agent.rb.
module EzlogsRubyAgent
  # Loads the Rust core. When it cannot be loaded (not compiled, or built
  # for another platform) the gem says so once and turns into a no-op, so
  # the host app still boots.
  module NativeLoader
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
        Event tracking is disabled; the app runs normally.
        To fix it, reinstall the gem so that it compiles for this platform
        (`gem pristine ezlogs_ruby_agent`), or in a checkout of the gem run `bundle exec rake compile`.
      MESSAGE
    end
  end

  # Why the native extension is not loaded, or nil when it is.
  NATIVE_LOAD_ERROR = NativeLoader.load

  def self.native_loaded?
    NATIVE_LOAD_ERROR.nil?
  end
end
