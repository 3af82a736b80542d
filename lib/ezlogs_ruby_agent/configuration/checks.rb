# frozen_string_literal: true

require "uri"

module EzlogsRubyAgent
  class Configuration
    # The checks setters run, so that a bad value fails in `configure`,
    # naming the option, rather than later, when events are sent. `name` is
    # the option as users write it ("delivery.batch_size").
    module Checks
      # RFC 9110 token characters: what a header name may hold.
      HEADER_NAME = /\A[!#$%&'*+\-.^_`|~0-9A-Za-z]+\z/
      # Line breaks and other control characters cannot go into a header.
      CONTROL_CHARACTERS = /[\x00-\x08\x0A-\x1F\x7F]/

      def self.included(group)
        group.extend(Declarations)
      end

      # For a group of options: `OPTION_PREFIX` is what its options' names
      # start with in messages ("delivery.").
      module Declarations
        # A reader, and a writer that keeps what `check` (a method of
        # Checks, given the option's full name) returns for the value.
        def checked_option(option, check, *args)
          attr_reader option

          name = "#{self::OPTION_PREFIX}#{option}"
          define_method(:"#{option}=") do |value|
            instance_variable_set(:"@#{option}", send(check, name, value, *args))
          end
        end
      end

      private

      # An environment variable's value; nil when unset or blank.
      def env_setting(name)
        value = ENV[name].to_s.strip
        value unless value.empty?
      end

      def check_positive(name, value, type = Integer)
        return value if value.is_a?(type) && value.positive?

        raise ConfigurationError, "#{name} must be a positive #{type}, got #{value.inspect}"
      end

      def check_non_negative(name, value, type = Integer)
        return value if value.is_a?(type) && !value.negative?

        raise ConfigurationError,
              "#{name} must be #{type == Integer ? "an Integer" : "a number"} of 0 or more, got #{value.inspect}"
      end

      def check_boolean(name, value)
        return value if [true, false].include?(value)

        hint = value.is_a?(String) ? " (a String is not a switch: write `#{name} = ENV[...] == \"true\"`)" : ""
        raise ConfigurationError, "#{name} must be true or false, got #{value.inspect}#{hint}"
      end

      # A String (or Symbol) with something in it.
      def check_name(name, value)
        text = value.is_a?(Symbol) ? value.to_s : value
        return text if text.is_a?(String) && !text.strip.empty?

        raise ConfigurationError, "#{name} must be a non-empty String, got #{value.inspect}"
      end

      # A URL with one of `schemes`; an HTTP one must name a host, a file one
      # a path (taken as written, as the file sink takes it).
      def check_endpoint(name, url, schemes)
        scheme = url[%r{\A([a-z]+)://}, 1]
        unless schemes.include?(scheme)
          raise ConfigurationError,
                "#{name} must start with one of #{schemes.map { |s| "#{s}://" }.join(", ")}, " \
                "got #{url.inspect} (for a file, write file:///path/to/events.jsonl)"
        end
        if target_missing?(scheme, url)
          raise ConfigurationError, "#{name} #{url.inspect} names no #{scheme == "file" ? "path" : "host"}"
        end

        url
      rescue URI::InvalidURIError => e
        raise ConfigurationError, "#{name} #{url.inspect} is not a valid URL: #{e.message}"
      end

      def target_missing?(scheme, url)
        case scheme
        when "file" then url.delete_prefix("file://").empty?
        when "http", "https" then URI.parse(url).host.to_s.empty?
        else false
        end
      end

      # {name => value} of request headers, as Strings.
      def check_headers(name, headers)
        raise ConfigurationError, "#{name} must be a Hash, got #{headers.inspect}" unless headers.is_a?(Hash)

        headers.to_h do |header, value|
          header = header.to_s
          unless HEADER_NAME.match?(header)
            raise ConfigurationError,
                  "#{name}: #{header.inspect} is not a valid header name"
          end

          [header, check_header_value("#{name}[#{header.inspect}]", value)]
        end
      end

      # A value that goes into a request header: surrounding whitespace (a
      # secret read from a file ends with a line break) is dropped; a line
      # break or control character inside is refused.
      def check_header_value(name, value)
        text = value.to_s.strip
        return text unless CONTROL_CHARACTERS.match?(text)

        raise ConfigurationError, "#{name} must not contain line breaks or control characters"
      end
    end
  end
end
