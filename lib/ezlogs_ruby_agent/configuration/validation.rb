# frozen_string_literal: true

module EzlogsRubyAgent
  # What `config.validate!` returns, as in 0.1.19: `errors` and `warnings`,
  # Arrays of Strings, each saying what is wrong and how to fix it.
  ConfigurationValidation = Struct.new(:errors, :warnings) do
    def initialize(errors = [], warnings = []) = super

    def valid? = errors.empty?
    def add_error(message) = errors << message
    def add_warning(message) = warnings << message
  end

  class Configuration
    # `config.validate!`: the checks a value cannot fail on its own (each
    # setter checks its value), run when the app asks.
    module Validation
      # Returns a ConfigurationValidation; raises ConfigurationError listing
      # the errors when there are any: settings with which no event can be
      # delivered. Warnings never raise: what the agent gets by without (the
      # native extension, in which case nothing is recorded and the app runs
      # as usual; a spool, in which case events are held in memory).
      # Nothing is created or written to find out.
      def validate!
        validation = ConfigurationValidation.new(validation_errors, validation_warnings)
        return validation if validation.valid?

        raise ConfigurationError, "Configuration validation failed: #{validation.errors.join("; ")}"
      end

      # Why the agent could not write files in `dir`, which it makes if
      # missing (the spool, a file:// endpoint), or nil when it could: the
      # nearest folder that exists must be one this process can write to.
      def self.unusable_folder(dir)
        existing = File.expand_path(dir)
        existing = File.dirname(existing) until File.exist?(existing) || existing == "/"
        return "#{existing} is not a folder" unless File.directory?(existing)

        "#{existing} is not writable by this process" unless File.writable?(existing)
      end

      private

      def validation_errors
        path = delivery.endpoint.delete_prefix("file://")
        return [] if path == delivery.endpoint

        problem = Validation.unusable_folder(File.dirname(path))
        if problem
          ["delivery.endpoint #{path} cannot be written (#{problem}): events would all be dropped; " \
           "point it at a folder the app's user can write to"]
        else
          []
        end
      end

      def validation_warnings
        [*("the agent is off (#{off_switch}): nothing is recorded" unless enabled), *inert_settings,
         *setting_warnings, *degraded_warnings]
      end

      # Settings that work against each other or against the app.
      def setting_warnings
        warnings = []
        if delivery.batch_size > performance.event_buffer_size
          warnings << "delivery.batch_size (#{delivery.batch_size}) is above performance.event_buffer_size " \
                      "(#{performance.event_buffer_size}): a batch never fills, so each waits " \
                      "delivery.flush_interval; lower batch_size"
        end
        warnings << "performance.sample_rate is 0: no event is kept" if performance.sample_rate.zero?
        warnings
      end

      def degraded_warnings
        warnings = []
        unless EzlogsRubyAgent.native_loaded?
          warnings << "the native extension is not loaded (#{NATIVE_LOAD_ERROR.message}): nothing is recorded; " \
                      "reinstall the gem so that it compiles here"
        end
        spool = delivery.spool_dir && Validation.unusable_folder(delivery.spool_dir)
        if spool
          warnings << "delivery.spool_dir #{delivery.spool_dir} cannot be used (#{spool}): undelivered events are " \
                      "held in memory only; point it at a folder the app's user can write to"
        end
        warnings
      end

      # "<option> has no effect" for each option set that has none (kept so
      # that apps written for 0.1.19 boot).
      def inert_settings
        [self, *GROUPS.map { |group| public_send(group) }].flat_map do |settings|
          settings.class.inert_options.select { |option| settings.instance_variable_defined?(:"@#{option}") }
                  .map { |option| "#{settings.class::OPTION_PREFIX}#{option} has no effect" }
        end
      end
    end
  end
end
