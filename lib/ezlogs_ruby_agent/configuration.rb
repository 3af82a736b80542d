# frozen_string_literal: true

require "socket"
require_relative "configuration/declarations"
require_relative "configuration/environment_reading"
require_relative "configuration/checks"
require_relative "configuration/inspection"
require_relative "configuration/unknown_options"
require_relative "configuration/from_rails"
require_relative "configuration/debug_options"
require_relative "configuration/resources"
require_relative "configuration/instrumentation"
require_relative "configuration/switches"
require_relative "configuration/security"
require_relative "configuration/performance"
require_relative "configuration/otel_environment"
require_relative "configuration/endpoint"
require_relative "configuration/delivery"
require_relative "configuration/correlation"
require_relative "configuration/environment_variables"
require_relative "configuration/validation"
require_relative "configuration/summary"
require_relative "configuration/former_options"

module EzlogsRubyAgent
  # Everything a user can set, with documented defaults, in groups that each
  # have a block form: `c.delivery { |d| d.endpoint = "..." }`.
  class Configuration
    include Checks
    include OtelEnvironment
    include FromRails
    include Inspection
    include UnknownOptions
    include DebugOptions
    include Switches
    include Resources
    include EnvironmentVariables
    include Validation
    include Summary

    GROUPS = %i[instrumentation security performance delivery correlation].freeze
    OPTION_PREFIX = ""
    include FormerOptions

    attr_reader :actor_extractor

    # `c.delivery { |d| d.timeout = 5 }`; a block with no parameter runs on
    # the group, as 0.1.19 ran it: `c.delivery { self.timeout = 5 }`. Plain
    # methods, not define_method's: the trackers read a group on every
    # event, and a block-taking define_method costs some 1,500 instructions
    # a call (callgrind), a `def` a tenth of that.
    def instrumentation(&) = group(@instrumentation, &)
    def security(&) = group(@security, &)
    def performance(&) = group(@performance, &)
    def delivery(&) = group(@delivery, &)
    def correlation(&) = group(@correlation, &)

    def initialize
      switch_from_env
      debug_from_env
      # service_name and environment default when read: the gem loads before
      # the Rails application it should be named after exists.
      @service_name = nil
      @environment = nil
      @included_resources = []
      @excluded_resources = []
      @actor_extractor = nil
      @instrumentation = Instrumentation.new
      @security = Security.new
      @performance = Performance.new
      @delivery = Delivery.new
      @correlation = Correlation.new
      GROUPS.each { |group| public_send(group).instance_variable_set(:@configuration, self) }
      apply_environment_variables
      switches_changed
    end

    # EZLOGS_SERVICE_NAME, else (to an otlp+ endpoint) OpenTelemetry's
    # (OtelEnvironment), else the Rails application's name, else its
    # folder's (Rails.root), else the current folder's.
    def service_name
      @service_name || env_setting("EZLOGS_SERVICE_NAME") || otel_service_name(delivery) || rails_app_name ||
        rails_root_name || File.basename(Dir.pwd)
    end

    def environment
      @environment || env_setting("EZLOGS_ENVIRONMENT") || rails_env || env_setting("RAILS_ENV") ||
        env_setting("RACK_ENV") || "development"
    end

    # nil or blank is no choice: the default (above) stays.
    def service_name=(name)
      @service_name = check_encoding("service_name", name).to_s.strip.empty? ? nil : check_name("service_name", name)
    end

    def environment=(name)
      @environment = check_encoding("environment", name).to_s.strip.empty? ? nil : check_name("environment", name)
    end

    def actor_extractor=(extractor)
      unless extractor.nil? || extractor.respond_to?(:call)
        raise ConfigurationError, "actor_extractor must respond to #call (a lambda returning {type:, id:}), " \
                                  "got #{extractor.inspect}"
      end

      @actor_extractor = extractor
    end

    # The plain data the native core is configured with. Reads the Rails
    # settings afresh (rails_settings).
    def to_native
      rails = read_rails_settings
      {
        service: service_name.to_s,
        environment: environment.to_s,
        ruby_version: RUBY_VERSION,
        hostname: Socket.gethostname,
        custom_events_enabled: custom_events?,
        correlation_enabled: correlation.enable_correlation ? true : false,
        max_correlation_depth: correlation.max_correlation_depth,
        # Conversion keeps up to twice the limit, so that the size limit can
        # then cut the largest values rather than whatever came last.
        limits: { max_event_bytes: security.max_event_size * 2 },
        delivery: native_delivery,
        processing: native_processing(rails),
        **native_client_ip(rails.trusted_proxies)
      }
    end

    private

    def group(settings, &block)
      run_settings_block(settings, block) if block
      settings
    end

    def native_client_ip(proxies)
      { trusted_proxies: proxies.native, trusted_proxies_native: proxies.native?,
        ip_spoofing_check: proxies.ip_spoofing_check ? true : false }
    end

    def custom_events?
      enabled && instrumentation.custom ? true : false
    end

    def native_processing(rails)
      security.to_native(rails.filter_parameters.native_patterns).merge(sample_rate: performance.sample_rate)
    end

    def native_delivery
      delivery.to_native.merge(
        event_buffer_size: performance.event_buffer_size,
        event_buffer_bytes: performance.event_buffer_bytes,
        max_connections: performance.max_delivery_connections,
        compression: performance.enable_compression ? delivery.compression.to_s : "none"
      )
    end
  end
end
