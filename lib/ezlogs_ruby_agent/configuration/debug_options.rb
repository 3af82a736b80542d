# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # Debug output (DebugOutput): each event printed as it is logged,
    # redacted, to Rails.logger or stderr. EZLOGS_DEBUG=1 (or a format's
    # name) turns it on, EZLOGS_DEBUG=compact in the compact format.
    module DebugOptions
      DEBUG_FORMATS = %i[tree compact].freeze

      attr_reader :debug_mode, :debug_format

      def debug_mode=(on)
        @debug_mode = check_boolean("debug_mode", on)
      end

      # :tree (one flow tree per request or job, once it ends) or :compact
      # (one line per event, at once, for busy apps).
      def debug_format=(format)
        @debug_format = check_choice("debug_format", format, DEBUG_FORMATS)
      end

      # The debug output's format when events are printed (debug_mode, or
      # the log:// endpoint, which prints and sends nothing), else nil.
      def debug_output
        return nil unless enabled

        debug_mode || delivery.prints_only? ? debug_format : nil
      end

      private

      def debug_from_env
        format = env_setting("EZLOGS_DEBUG")&.downcase&.to_sym
        @debug_format = format == :compact ? :compact : :tree
        @debug_mode = DEBUG_FORMATS.include?(format) ||
                      env_switch("EZLOGS_DEBUG", default: false,
                                                 kept: "debug_mode stays false (or write tree or compact)")
      end
    end
  end
end
