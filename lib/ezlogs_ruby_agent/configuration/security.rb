# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # What never leaves the process, and how large one event may be.
    class Security
      DEFAULT_SENSITIVE_FIELDS = %w[password token api_key secret key authorization bearer].freeze
      DEFAULT_REDACTED_HEADERS = %w[Authorization Cookie Set-Cookie X-Api-Key X-Auth-Token Proxy-Authorization].freeze

      include Checks

      attr_accessor :redacted_cookies

      OPTION_PREFIX = "security."

      attr_reader :sensitive_fields, :custom_pii_patterns, :max_event_size, :redacted_headers

      checked_option :auto_detect_pii, :check_boolean

      def initialize
        @auto_detect_pii = true
        @sensitive_fields = DEFAULT_SENSITIVE_FIELDS.dup
        @custom_pii_patterns = {}
        @max_event_size = 1024 * 1024
        @redacted_headers = DEFAULT_REDACTED_HEADERS.dup
        @redacted_cookies = []
      end

      def sensitive_fields=(fields)
        @sensitive_fields = Array(fields).map(&:to_s)
      end

      def redacted_headers=(headers)
        @redacted_headers = Array(headers).map(&:to_s)
      end

      def custom_pii_patterns=(patterns)
        unless patterns.is_a?(Hash) && patterns.values.all?(Regexp)
          raise ConfigurationError,
                "security.custom_pii_patterns must be a Hash of name => Regexp, got #{patterns.inspect}"
        end

        @custom_pii_patterns = patterns
      end

      # The plain data the native core takes. `filter_parameters` (Rails')
      # match key names as Rails matches them: case-insensitive substrings
      # for strings and symbols, the Regexp itself otherwise.
      def to_native(filter_parameters = [])
        {
          sensitive_fields:,
          sensitive_key_patterns: filter_parameters.filter_map { |filter| key_pattern(filter) },
          auto_detect_pii: auto_detect_pii ? true : false,
          custom_pii_patterns: custom_pii_patterns.map { |name, regexp| [name.to_s, source(regexp)] },
          max_event_size:
        }
      end

      def max_event_size=(bytes)
        unless bytes.is_a?(Integer) && bytes >= 1024
          raise ConfigurationError,
                "security.max_event_size must be an Integer of at least 1024 bytes, got #{bytes.inspect}"
        end

        @max_event_size = bytes
      end

      private

      def key_pattern(filter)
        case filter
        when Regexp then source(filter)
        when String, Symbol then "(?i)#{Regexp.escape(filter.to_s)}"
        end
      end

      # Ruby's Regexp as the Rust regex engine writes it.
      def source(regexp)
        regexp.casefold? ? "(?i)#{regexp.source}" : regexp.source
      end
    end
  end
end
