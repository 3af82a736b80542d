# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # What never leaves the process, and how large one event may be.
    class Security
      DEFAULT_REDACTED_HEADERS = %w[Authorization Cookie Set-Cookie X-Api-Key X-Auth-Token Proxy-Authorization].freeze

      include Checks
      include Inspection
      include UnknownOptions

      OPTION_PREFIX = "security."

      attr_reader :sensitive_fields, :custom_pii_patterns, :max_event_size

      # Request headers and cookies are never recorded (a request event
      # keeps only the User-Agent), so there is nothing for these to redact.
      NEVER_RECORDED = "request headers and cookies are never recorded (only the User-Agent), " \
                       "so none can leave the process; remove the setting"
      inert_option :redacted_headers, NEVER_RECORDED, default: DEFAULT_REDACTED_HEADERS
      inert_option :redacted_cookies, NEVER_RECORDED, default: %w[session _csrf_token]

      # Names 0.1.19's docs showed (docs/security.md, the example app).
      former_options << "sanitize_fields"
      renamed_option :max_payload_size, :max_event_size
      renamed_option :custom_patterns, :custom_pii_patterns
      # Where 0.1.19's security audit read them (docs/security.md).
      renamed_option :excluded_resources, "config.excluded_resources"
      CUT_LARGEST = "security.max_event_size bounds a whole event: over it, the largest values are cut first"
      inert_option :max_field_size, CUT_LARGEST
      inert_option :max_fields_per_event, CUT_LARGEST
      inert_option :sanitization_method, "a redacted value is always replaced by \"[REDACTED]\"; remove the setting"
      NOT_LOGGED = "the agent logs no line per redaction or excluded record (one would say where a secret " \
                   "was); EzlogsRubyAgent.metrics counts what is dropped; remove the setting"
      inert_option :log_sanitization_events, NOT_LOGGED
      inert_option :log_excluded_resources, NOT_LOGGED

      checked_option :auto_detect_pii, :check_boolean

      def initialize
        @auto_detect_pii = true
        @sensitive_fields = []
        @custom_pii_patterns = {}
        @native_pii_patterns = []
        @max_event_size = 1024 * 1024
      end

      # Key names to redact besides the native core's built-in ones
      # (password, token, secret, api_key, key, authorization, ...; see the
      # README), which always are: setting this adds, it never replaces.
      def sensitive_fields=(fields)
        @sensitive_fields = Array(fields).map(&:to_s)
      end

      # {name => Regexp}, matched against string values by the native core:
      # each is written for its engine with the same meaning (RustRegexp),
      # and one it cannot match as Ruby does is refused here, by name.
      def custom_pii_patterns=(patterns)
        unless patterns.is_a?(Hash) && patterns.values.all?(Regexp)
          raise ConfigurationError,
                "security.custom_pii_patterns must be a Hash of name => Regexp, got #{patterns.inspect}"
        end

        @native_pii_patterns = patterns.map { |name, regexp| [name.to_s, native_pattern(name, regexp)] }
        @custom_pii_patterns = patterns
      end

      # 0.1.19's example app's name for more key names to redact: added to
      # sensitive_fields.
      def sanitize_fields = sensitive_fields

      def sanitize_fields=(fields)
        self.sensitive_fields = sensitive_fields | Array(fields).map(&:to_s)
      end

      # The plain data the native core takes. `key_patterns`: Rust regex
      # sources of Rails' filter_parameters (FilterParameters#native_patterns).
      def to_native(key_patterns = [])
        {
          sensitive_fields:,
          sensitive_key_patterns: key_patterns,
          auto_detect_pii: auto_detect_pii ? true : false,
          custom_pii_patterns: @native_pii_patterns,
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

      def native_pattern(name, regexp)
        source, refused = RustRegexp.native(regexp)
        return source unless refused

        raise ConfigurationError, "security.custom_pii_patterns[#{name}] #{regexp.inspect} uses syntax the " \
                                  "native matcher does not support (#{refused}); write it without that"
      end
    end
  end
end
