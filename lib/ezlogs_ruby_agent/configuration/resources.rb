# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # `included_resources` and `excluded_resources`: which models' changes
    # are recorded (ResourceFilter reads them).
    module Resources
      attr_reader :included_resources, :excluded_resources

      def included_resources=(resources)
        @included_resources = resource_patterns(:included_resources, resources)
      end

      def excluded_resources=(resources)
        @excluded_resources = resource_patterns(:excluded_resources, resources)
      end

      private

      # Regexps are made case-insensitive here, once, as strings are matched.
      # A class (a model) stands for its name.
      def resource_patterns(name, resources)
        Array(resources).map do |resource|
          next Regexp.new(resource.source, resource.options | Regexp::IGNORECASE) if resource.is_a?(Regexp)
          next resource.to_s if resource.is_a?(String) || resource.is_a?(Symbol)
          next resource.name if resource.is_a?(Module) && resource.name

          raise ConfigurationError, "#{name} takes model classes, Strings or Regexps, got #{resource.inspect}"
        end
      end
    end
  end
end
