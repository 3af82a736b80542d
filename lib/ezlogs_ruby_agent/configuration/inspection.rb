# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # How the configuration shows itself: `inspect` (and so `pp`, and the
    # message of a NoMethodError for a misspelt option, which Ruby writes
    # with the receiver's inspect), and what ActiveSupport and YAML read,
    # `as_json`/`to_json`, `instance_values` and `to_yaml`, give the
    # options with secrets masked: a class names them in `shown_value`.
    # Left to Ruby and ActiveSupport, each would print every instance
    # variable, an api_key among them. Only options (what the app can set)
    # and groups are shown: the agent's own state, such as an endpoint read
    # from an OpenTelemetry variable, may hold a secret no option names.
    module Inspection
      MASK = "[REDACTED]"

      # {option => value as shown}.
      def instance_values
        instance_variables.each_with_object({}) do |ivar, shown|
          option = ivar.to_s.delete_prefix("@")
          value = instance_variable_get(ivar)
          group = value.is_a?(Inspection) && option != "configuration" # not a group's way back
          next unless group || respond_to?(:"#{option}=")

          shown[option] = shown_value(option, value)
        end
      end

      # {option: value}, as `instance_values`, with the groups as Hashes
      # (0.1.19's groups were OpenStructs, which had `to_h`).
      def to_h
        instance_values.to_h do |option, value|
          [option.to_sym, value.is_a?(Inspection) ? value.to_h : value]
        end
      end

      def inspect
        "#<#{self.class.name} #{instance_values.map { |option, value| "#{option}=#{value.inspect}" }.join(", ")}>"
      end

      def pretty_print(printer)
        printer.text(inspect)
      end

      def as_json(*)
        instance_values.transform_values { |value| value.respond_to?(:as_json) ? value.as_json : value }
      end

      def encode_with(coder)
        instance_values.each { |option, value| coder[option] = value }
      end

      private

      # How `option`'s `value` is shown.
      def shown_value(_option, value)
        value
      end
    end
  end
end
