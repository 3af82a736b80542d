# frozen_string_literal: true

module EzlogsRubyAgent
  class HttpTracker
    # The path an `http.request` event shows, with the values of the route
    # parameters the app filters masked: a token in
    # /password_resets/:token/edit is as secret in the path as in the
    # params.
    module FilteredPath
      module_function

      # The request's path as it came in (`request.started_path`, which
      # the event shows), decoded as the router decoded it, with the value
      # of each route parameter Rails filtered in the params (a token in
      # /password_resets/:token/edit, a glob's several segments) replaced
      # by the agent's mask, as the params show it; nil when none is
      # (Rails' own log shows the path whole). Rails' filtered params tell:
      # such a value differs there from the route's. A value is masked where
      # it fills whole segments (before a format's "." too), else wherever
      # it appears; when masking fails, the whole path is masked.
      def of(env, controller, request, error)
        secrets = route_secrets(env, controller, request, error)
        return if secrets.nil? || secrets.empty?

        path = +Rack::Utils.unescape_path(request.started_path)
        secrets.reduce(path.force_encoding(Encoding::UTF_8).scrub) { |shown, secret| masked(shown, secret) }
      rescue *FAILURES
        AppFilter::MASK
      end

      # The values to mask: the controller's, or when no controller ran,
      # the segments Rails refused, else the routed Rack app's.
      def route_secrets(env, controller, request, error)
        return filtered_route_values(controller) if controller
        return undecodable_segments(request.started_path) if unreadable_route_values?(error)

        filtered_router_values(env)
      end

      # Rails refused the route's parameters (ActionDispatch's
      # `path_parameters=`): one is not UTF-8 once decoded, and which
      # parameter holds what is not known.
      def unreadable_route_values?(error)
        defined?(::ActionController::BadRequest) && error.is_a?(::ActionController::BadRequest) &&
          error.message.start_with?("Invalid path parameters")
      end

      # The segments of `path` that are not UTF-8 once decoded, which hold
      # the value Rails refused.
      def undecodable_segments(path)
        path.split("/").map { |segment| Rack::Utils.unescape_path(segment) }
            .reject { |segment| segment.dup.force_encoding(Encoding::UTF_8).valid_encoding? }
      end

      def masked(path, secret)
        secret = secret.dup.force_encoding(Encoding::UTF_8).scrub
        return path if secret.empty?

        in_segments = path.gsub(%r{(?<=/)#{Regexp.escape(secret)}(?=[/.;]|\z)}, AppFilter::MASK)
        in_segments == path ? path.gsub(secret, AppFilter::MASK) : in_segments
      end

      # A route no controller answered (a Rack app, a lambda): the values
      # of its parameters that filter_parameters filters, as Rails would
      # filter them; nil when there are none.
      def filtered_router_values(env)
        route = env["action_dispatch.request.path_parameters"]
        return if !route.is_a?(Hash) || route.empty?

        shown = AppFilter.params(route.transform_keys(&:to_s))
        secrets = route.filter_map { |key, value| value if shown[key.to_s] != value }
        secrets unless secrets.empty?
      end

      # The values of the route's parameters that Rails' filtered params
      # do not show; nil when there are none, as for a route of only a
      # controller and an action (a GET of /whoami: not looked through).
      def filtered_route_values(controller)
        filtered = controller[:params]
        route = controller[:path_parameters]
        return unless filtered.respond_to?(:fetch) && own_parameters?(route)

        secrets = nil # no Array made for the many requests without one
        route.each do |key, value|
          (secrets ||= []) << value if filtered.fetch(name_of(key), value) != value && value.is_a?(String)
        end
        secrets
      end

      # Whether a controller's route has parameters besides its controller
      # and action. A route to `UsersController.action(:show)`, or a mount
      # of one, names neither: its parameters are all its own.
      def own_parameters?(route)
        return false unless route.is_a?(Hash)

        route.size > 2 || !(route.key?(:controller) && route.key?(:action))
      end

      # A route key's name: Symbol#name is the Symbol's own frozen String,
      # so no String is made per parameter and request.
      def name_of(key)
        key.is_a?(Symbol) ? key.name : key.to_s
      end
    end
  end
end
