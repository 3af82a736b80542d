# frozen_string_literal: true

module EzlogsRubyAgent
  # `included_resources` / `excluded_resources`: which models (by class
  # name) and request paths are tracked. Strings and Regexps both match
  # case-insensitively (Configuration makes the Regexps so); a pattern that
  # fails to match never raises.
  module ResourceFilter
    module_function

    # A model or job class name: tracked unless excluded, and, when
    # `included_resources` is set, only if included.
    def track_name?(name)
      config = EzlogsRubyAgent.config
      return false if config.excluded_resources.any? { |pattern| name_matches?(pattern, name) }

      config.included_resources.empty? || config.included_resources.any? { |pattern| name_matches?(pattern, name) }
    end

    # A request path, excluded by one of `patterns` (config.excluded_resources):
    # a String that is the path or a parent of it ("/admin" excludes
    # "/admin/users"), or a Regexp that matches it.
    def excluded_path?(path, patterns)
      patterns.any? { |pattern| path_matches?(pattern, path) }
    end

    def name_matches?(pattern, name)
      return pattern.match?(name) if pattern.is_a?(Regexp)

      pattern.casecmp?(name) || pattern.casecmp?(underscore(name))
    rescue *FAILURES
      false
    end

    def path_matches?(pattern, path)
      return pattern.match?(path) if pattern.is_a?(Regexp)
      return false unless pattern.start_with?("/")

      prefix = pattern.chomp("/")
      path.casecmp?(prefix) || path.downcase.start_with?("#{prefix.downcase}/")
    rescue *FAILURES
      false
    end

    # "Admin::UserProfile" -> "admin/user_profile", "PDFInvoice" ->
    # "pdf_invoice": ActiveSupport's rules, without the app's inflections.
    def underscore(name)
      name.gsub("::", "/").gsub(/([A-Z\d]+)([A-Z][a-z])/, '\1_\2').gsub(/([a-z\d])([A-Z])/, '\1_\2').downcase
    end
  end
end
