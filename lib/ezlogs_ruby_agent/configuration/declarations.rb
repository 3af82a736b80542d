# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # How a group of options declares them (Checks extends each group with
    # it). `OPTION_PREFIX` is what its options' names start with in
    # messages ("delivery.").
    module Declarations
      # A reader, and a writer that keeps what `check` (a method of
      # Checks, given the option's full name) returns for the value, then
      # tells the group (`changed`).
      def checked_option(option, check, *args)
        attr_reader option

        name = "#{self::OPTION_PREFIX}#{option}"
        define_method(:"#{option}=") do |value|
          instance_variable_set(:"@#{option}", send(check, name, value, *args)).tap { changed(option) }
        end
      end

      # An option accepted, so that an initializer that sets it still
      # boots, but with no effect: setting it says so once, with what to
      # do instead. Its reader gives back what was set, else `default`, or
      # what the block (run on the configuration) gives.
      def inert_option(option, instead, default: nil, &computed)
        former_options << option.to_s
        inert_options << option
        name = "#{self::OPTION_PREFIX}#{option}"
        define_method(option) do
          next instance_variable_get(:"@#{option}") if instance_variable_defined?(:"@#{option}")

          computed ? instance_exec(&computed) : default
        end
        define_method(:"#{option}=") do |value|
          ProblemReporter.bad_setting("#{name} has no effect", instead)
          instance_variable_set(:"@#{option}", value)
        end
      end

      # A name 0.1.19 gave `option`: reading and writing it is the option
      # itself. `option` is one of this group's, or "group.option" of the
      # configuration's ("config.option" for one at its top): 0.1.19 kept
      # some in another group.
      def renamed_option(former, option)
        former_options << former.to_s
        group, name = option.to_s.include?(".") ? option.to_s.split(".") : [nil, option.to_s]
        define_method(former) { Declarations.owner(self, group).public_send(name) }
        define_method(:"#{former}=") { |value| Declarations.owner(self, group).public_send(:"#{name}=", value) }
      end

      # Where a renamed option of `settings` lives: `settings` itself, or
      # `group` of the configuration they belong to ("config": the
      # configuration itself).
      def self.owner(settings, group)
        return settings unless group

        root = settings.is_a?(Configuration) ? settings : settings.configuration
        group == "config" ? root : root.public_send(group)
      end

      # Names kept for apps written for 0.1.19, left out of the options
      # messages list (UnknownOptions).
      def former_options
        @former_options ||= []
      end

      # The former options that have no effect (Validation warns of them).
      def inert_options
        @inert_options ||= []
      end
    end
  end
end
