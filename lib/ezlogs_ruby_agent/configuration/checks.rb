# frozen_string_literal: true

require "uri"

module EzlogsRubyAgent
  class Configuration
    # The checks setters run, so that a bad value fails in `configure`,
    # naming the option, rather than later, when events are sent. `name` is
    # the option as users write it ("delivery.batch_size").
    module Checks
      include EnvironmentReading

      # The largest Integer a count or size may be: any larger is a mistake,
      # and the core (JSON, u64) could not take it.
      MAX_INTEGER = (2**53) - 1
      # RFC 9110 token characters: what a header name may hold.
      HEADER_NAME = /\A[!#$%&'*+\-.^_`|~0-9A-Za-z]+\z/
      # Line breaks and other control characters cannot go into a header.
      CONTROL_CHARACTERS = /[\x00-\x08\x0A-\x1F\x7F]/

      def self.included(group)
        group.extend(Declarations)
      end

      # The configuration a group belongs to (Configuration.new sets it; a
      # group made on its own belongs to the global one).
      def configuration
        @configuration || EzlogsRubyAgent.config
      end

      private

      # Called once an option was set (Declarations.checked_option).
      def changed(_option); end

      # Runs a settings block: with the settings as its argument, or, a
      # block with no parameter, on them (0.1.19's instance_eval).
      def run_settings_block(settings, block)
        block&.arity&.zero? ? settings.instance_exec(&block) : block&.call(settings)
      end

      # `value` itself, when it is a String that is valid text; raises
      # ConfigurationError otherwise (String's own methods would raise
      # ArgumentError, naming no option). Never shows the value.
      def check_encoding(name, value)
        return value unless value.is_a?(String) && !value.valid_encoding?

        raise ConfigurationError, "#{name} is not valid #{value.encoding} text (it holds bytes #{value.encoding} " \
                                  "does not allow): convert it with String#encode, or #scrub it"
      end

      def check_choice(name, value, choices)
        return value if choices.include?(value)

        raise ConfigurationError, "#{name} must be one of #{choices.inspect}, got #{value.inspect}"
      end

      # Infinity and NaN are not amounts: a wait of "forever" would hold
      # the process's exit.
      def check_positive(name, value, type = Integer)
        return check_size(name, value) if value.is_a?(type) && value.finite? && value.positive?

        raise ConfigurationError,
              "#{name} must be #{type == Integer ? "a positive Integer" : "a finite number above 0"}, " \
              "got #{value.inspect}"
      end

      def check_non_negative(name, value, type = Integer)
        return check_size(name, value) if value.is_a?(type) && value.finite? && !value.negative?

        raise ConfigurationError,
              "#{name} must be #{type == Integer ? "an Integer" : "a finite number"} of 0 or more, " \
              "got #{value.inspect}"
      end

      def check_size(name, value)
        return value if value <= MAX_INTEGER

        raise ConfigurationError, "#{name} must be at most #{MAX_INTEGER}, got #{value.inspect}"
      end

      def check_boolean(name, value)
        return value if [true, false].include?(value)

        hint = value.is_a?(String) ? " (a String is not a switch: write `#{name} = ENV[...] == \"true\"`)" : ""
        raise ConfigurationError, "#{name} must be true or false, got #{value.inspect}#{hint}"
      end

      # A String (or Symbol) with something in it.
      def check_name(name, value)
        text = value.is_a?(Symbol) ? value.to_s : check_encoding(name, value)
        return text if text.is_a?(String) && !text.strip.empty?

        raise ConfigurationError, "#{name} must be a non-empty String, got #{value.inspect}"
      end

      # A URL with one of `schemes`; an HTTP one must name a host and a port
      # the network has, a file one a path (taken as written, as the file
      # sink takes it). Messages show the URL without its credentials and
      # query (shown_url), and never URI's own message, which holds it all.
      def check_endpoint(name, url, schemes)
        scheme = url[%r{\A([a-z][a-z+]*)://}, 1]
        unless schemes.include?(scheme)
          raise ConfigurationError,
                "#{name} must start with one of #{schemes.map { |s| "#{s}://" }.join(", ")}, " \
                "got #{shown_url(url).inspect} (for a file, write file:///path/to/events.jsonl)"
        end
        problem = target_problem(scheme, url)
        raise ConfigurationError, "#{name} #{shown_url(url).inspect} #{problem}" if problem

        url
      rescue URI::InvalidURIError
        # No cause: URI's error, which Ruby prints with this one, shows the
        # whole URL.
        raise ConfigurationError, "#{name} #{shown_url(url).inspect} is not a valid URL", cause: nil
      end

      def target_problem(scheme, url)
        case scheme
        when "file" then "names no path" if url.delete_prefix("file://").empty?
        when "http", "https", "otlp+http", "otlp+https"
          uri = URI.parse(url.delete_prefix("otlp+"))
          return "names no host" if uri.host.to_s.empty?

          "has a port out of range (#{uri.port})" unless uri.port.between?(1, 65_535)
        end
      end

      # A URL as messages and `inspect` show it, the core's way (user and
      # password masked, no query); nothing of it when the core is not
      # loaded.
      def shown_url(url)
        Native.shown_endpoint(url.to_s) || "(not shown: the native extension is not loaded)"
      end

      # {name => value} of request headers, as Strings. A nil value is no
      # header (`"X-API-Key" => ENV["EZLOGS_API_KEY"]` with the variable
      # unset), as Net::HTTP took it. Messages name a header, never show a
      # value (an Authorization header holds a secret).
      def check_headers(name, headers)
        raise ConfigurationError, "#{name} must be a Hash, got #{headers.class}" unless headers.is_a?(Hash)

        headers.compact.to_h do |header, value|
          header = header.to_s
          check_header_name(name, header)
          [header, check_header_value("#{name}[#{header.inspect}]", value)]
        end
      end

      # A name that is not a header name may be a whole header line
      # ("Authorization: Bearer ..."): it is shown up to what is wrong in it.
      def check_header_name(name, header)
        return if HEADER_NAME.match?(header)
        raise ConfigurationError, "#{name}: a header name is empty" if header.empty?

        valid = header[/\A[!#$%&'*+\-.^_`|~0-9A-Za-z]*/]
        raise ConfigurationError, "#{name}: the header name #{"#{valid}...".inspect} is not valid: it holds " \
                                  "#{header[valid.length].inspect}, which a header name cannot"
      end

      # A value that goes into a request header, a String: surrounding
      # whitespace (a secret read from a file ends with a line break) is
      # dropped; a line break or control character inside is refused.
      # Messages never show the value.
      def check_header_value(name, value)
        value = value.name if value.is_a?(Symbol)
        raise ConfigurationError, "#{name} must be a String, got #{value.class}" unless value.is_a?(String)

        text = check_encoding(name, value).strip
        return text unless CONTROL_CHARACTERS.match?(text)

        raise ConfigurationError, "#{name} must not contain line breaks or control characters"
      end
    end
  end
end
