# frozen_string_literal: true

require "did_you_mean"

module EzlogsRubyAgent
  class Configuration
    # A misspelt or unknown option (`c.servce_name = ...`,
    # `c.delivery.endpont`, `c.tracing { }`) raises ConfigurationError
    # naming it, with the closest valid name (Ruby's
    # DidYouMean::SpellChecker) and the valid ones of its group. Ruby's own
    # NoMethodError would print the configuration object, secrets and all.
    module UnknownOptions
      # Methods Ruby and libraries probe for (`to_ary` in Array#flatten,
      # `to_str`, `to_hash`): not options, so they go on to NoMethodError.
      PROBES = /\Ato_|\?\z|\A_/

      def method_missing(name, *args, &)
        return super if PROBES.match?(name)

        raise ConfigurationError, unknown_option_message(name.to_s.delete_suffix("="))
      end

      def respond_to_missing?(name, include_private = false)
        super
      end

      private

      def unknown_option_message(option)
        prefix = self.class::OPTION_PREFIX
        valid = option_names
        suggestion = other_name(option) || closest(option, valid.to_h { |name| [name, "#{prefix}#{name}"] }) ||
                     closest(option, options_in_groups)
        hint = suggestion ? " Did you mean #{suggestion}?" : ""
        group = prefix.empty? ? "the configuration" : prefix.delete_suffix(".")
        "#{prefix}#{option} is not an option of ezlogs_ruby_agent.#{hint} " \
          "The options of #{group}: #{valid.join(", ")}"
      end

      # The option a group knows `option` as (Instrumentation::OTHER_NAMES).
      def other_name(option)
        name = self.class.const_defined?(:OTHER_NAMES, false) && self.class::OTHER_NAMES[option]
        "#{self.class::OPTION_PREFIX}#{name}" if name
      end

      # The full name of the option in `names` ({name => full name}) that
      # `option` is closest to, if any is close.
      def closest(option, names)
        names[DidYouMean::SpellChecker.new(dictionary: names.keys).correct(option).first]
      end

      # At the top: the options inside the groups ({"active_record" =>
      # "instrumentation.active_record"}), for one written a level too high.
      def options_in_groups
        return {} unless self.class.const_defined?(:GROUPS, false)

        self.class::GROUPS.each_with_object({}) do |group, names|
          public_send(group).send(:option_names).each { |name| names[name] ||= "#{group}.#{name}" }
        end
      end

      # The names a user can set or read: every public writer, and the
      # groups.
      def option_names
        writers = self.class.public_instance_methods.grep(/\A[a-z]\w*=\z/).map { |m| m.to_s.delete_suffix("=") }
        groups = self.class.const_defined?(:GROUPS, false) ? self.class::GROUPS.map(&:to_s) : []
        (writers + groups - self.class.former_options).uniq.sort
      end
    end
  end
end
