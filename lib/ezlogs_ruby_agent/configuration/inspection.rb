# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # `inspect` (and so `pp`, and the message of a NoMethodError for a
    # misspelt option, which Ruby writes with the receiver's inspect) shows
    # the options, with secrets masked: a class names them in
    # `inspected_option`. Ruby's own inspect would print every instance
    # variable, an api_key among them.
    module Inspection
      MASK = "[REDACTED]"

      def inspect
        options = instance_variables.filter_map do |ivar|
          option = ivar.to_s.delete_prefix("@")
          "#{option}=#{inspected_option(option, instance_variable_get(ivar))}" unless option.start_with?("rails_")
        end
        "#<#{self.class.name} #{options.join(", ")}>"
      end

      # pp would otherwise walk the instance variables itself.
      def pretty_print(printer)
        printer.text(inspect)
      end

      private

      # How `inspect` shows the value of `option`.
      def inspected_option(_option, value)
        value.inspect
      end
    end
  end
end
