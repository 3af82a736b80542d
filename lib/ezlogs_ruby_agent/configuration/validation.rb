# frozen_string_literal: true

require "fileutils"

module EzlogsRubyAgent
  # What `config.validate!` returns, as in 0.1.19: `errors` and `warnings`,
  # Arrays of Strings, each saying what is wrong and how to fix it.
  ConfigurationValidation = Struct.new(:errors, :warnings) do
    def valid? = errors.empty?
  end

  class Configuration
    # `config.validate!`: the checks a value cannot fail on its own (each
    # setter checks its value), run when the app asks.
    module Validation
      # Returns a ConfigurationValidation; raises ConfigurationError listing
      # the errors when there are any. Warnings never raise.
      def validate!
        validation = ConfigurationValidation.new(validation_errors, validation_warnings)
        return validation if validation.valid?

        raise ConfigurationError, "Configuration validation failed: #{validation.errors.join("; ")}"
      end

      # Why `dir` cannot hold files the agent writes, or nil when it can: it
      # is made if missing, and a file is written into it and removed.
      def self.unwritable(dir)
        FileUtils.mkdir_p(dir)
        probe = File.join(dir, ".ezlogs-probe-#{Process.pid}")
        File.write(probe, "")
        File.delete(probe)
        nil
      rescue SystemCallError => e
        "#{e.class.name.split("::").last}: #{e.message}"
      end

      private

      def validation_errors
        errors = []
        unless EzlogsRubyAgent.native_loaded?
          errors << "the native extension is not loaded (#{NATIVE_LOAD_ERROR.message}): no event is recorded; " \
                    "reinstall the gem so that it compiles here"
        end
        spool = delivery.spool_dir && Validation.unwritable(delivery.spool_dir)
        if spool
          errors << "delivery.spool_dir #{delivery.spool_dir} is not writable (#{spool}): create it writable by " \
                    "the app's user, or point delivery.spool_dir elsewhere"
        end
        file = file_endpoint_problem
        errors << file if file
        errors
      end

      def file_endpoint_problem
        path = delivery.endpoint.delete_prefix("file://")
        return if path == delivery.endpoint

        problem = Validation.unwritable(File.dirname(path))
        return unless problem

        "delivery.endpoint's folder #{File.dirname(path)} is not writable (#{problem}): create it, or write " \
          "events elsewhere"
      end

      def validation_warnings
        warnings = []
        warnings << "the agent is off (#{off_switch}): nothing is recorded" unless enabled
        warnings.concat(inert_settings)
        if delivery.batch_size > performance.event_buffer_size
          warnings << "delivery.batch_size (#{delivery.batch_size}) is above performance.event_buffer_size " \
                      "(#{performance.event_buffer_size}): a batch never fills, so each waits " \
                      "delivery.flush_interval; lower batch_size"
        end
        warnings << "performance.sample_rate is 0: no event is kept" if performance.sample_rate.zero?
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
