# frozen_string_literal: true

module EzlogsRubyAgent
  class HttpTracker
    # What only Ruby can read of a request for its `http.request` event:
    # the params (the ones Rails filtered, else the query string filtered as
    # Rails would filter it), the request's GraphQL operations and its
    # error. The core reads the rest (method, path, status, route, headers,
    # Rails' runtimes, the client's address) from the env and the response
    # itself (Native.record_http_request).
    module RequestDetails
      HASH_EXCEPT = ::Hash.instance_method(:except)
      # `graphql` when nobody read the request's GraphQL operations yet (the
      # app raised before the response): nil means there are none.
      UNREAD = Object.new.freeze

      module_function

      # `{params:, error:}`, for a GraphQL request `action:`, `subject:` and
      # `graphql:`, and `path:` when Rails filtered a route parameter in
      # it. `request`: the Native::HttpRequest; `error`: what the app
      # raised, if it did;
      # `graphql`: the operations read while the request was open (once
      # the server closes the body, rack.input is closed), else UNREAD. nil
      # when there are none of them (a GET without a query string: no Hash
      # made for the core to read), and when reading them failed
      # (reported): that costs the details, not the event.
      def of(env, request, error, graphql)
        controller = ControllerDetails.of(env)
        error ||= noted_error(env, controller)
        params = params(env, controller)
        graphql = graphql_operations(env, request, graphql)
        path = filtered_path(env, controller, request, error)
        details(params, error, graphql, path) if params || error || graphql || path
      rescue StandardError => e
        ProblemReporter.internal(e, "reading request details")
        nil
      end

      # Where DebugExceptions' interceptor (`note_raised`, registered by the
      # Railtie) notes what reached it: in development it renders the error
      # page itself and, unlike ShowExceptions, notes nothing in the env.
      RAISED_KEY = "ezlogs.raised"

      # A DebugExceptions interceptor: called with every exception that
      # left the app's routes, an error raised before any controller (a bad
      # query string) too.
      def note_raised(request, exception)
        request.set_header(RAISED_KEY, exception)
      end

      # What ShowExceptions noted it rendered an error page for, else what
      # left the `controller`'s action, else what DebugExceptions rendered.
      def noted_error(env, controller)
        env["action_dispatch.exception"] || controller&.[](:exception_object) || env[RAISED_KEY]
      end

      def details(params, error, graphql, path)
        details = { params:, error: error && Tracking.error_summary(error) }
        details[:path] = path if path
        graphql ? details.merge!(graphql_details(graphql)) : details
      end

      # The request's path as it came in (`request.started_path`, which
      # the event shows), decoded as the router decoded it, with the value
      # of each route parameter Rails filtered in the params (a token in
      # /password_resets/:token/edit, a glob's several segments) replaced
      # by the agent's mask, as the params show it; nil when none is
      # (Rails' own log shows the path whole). Rails' filtered params tell:
      # such a value differs there from the route's. A value is masked where
      # it fills whole segments (before a format's "." too), else wherever
      # it appears; when masking fails, the whole path is masked.
      def filtered_path(env, controller, request, error)
        secrets = route_secrets(env, controller, request, error)
        return if secrets.nil? || secrets.empty?

        path = +Rack::Utils.unescape_path(request.started_path)
        secrets.reduce(path.force_encoding(Encoding::UTF_8).scrub) { |shown, secret| masked(shown, secret) }
      rescue StandardError
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
      # do not show; nil when there are none.
      def filtered_route_values(controller)
        filtered = controller[:params]
        return unless filtered.respond_to?(:fetch)

        secrets = nil # no Array made for the many requests without one
        controller[:path_parameters]&.each do |key, value|
          (secrets ||= []) << value if filtered.fetch(name_of(key), value) != value && value.is_a?(String)
        end
        secrets
      end

      # A route key's name: Symbol#name is the Symbol's own frozen String,
      # so no String is made per parameter and request.
      def name_of(key)
        key.is_a?(Symbol) ? key.name : key.to_s
      end

      # The GraphQL operations of a POST to .../graphql (one, or a batch);
      # nil for any other request. `read`: the operations already read, or
      # UNREAD.
      def graphql_operations(env, request, read = UNREAD)
        return read unless read.equal?(UNREAD)

        GraphqlOperation.from_request(env, ControllerDetails.of(env)&.[](:params)) if request.graphql_post?
      end

      # The `controller`'s params (ControllerDetails), which Rails
      # filtered, else the query string, filtered here as Rails would have
      # filtered it; nil when there are none.
      def params(env, controller)
        params = controller&.[](:params)
        query = env["QUERY_STRING"].to_s
        return if params.nil? && query.empty?

        without_route(params || AppFilter.params(Rack::Utils.parse_nested_query(query)))
      rescue StandardError
        nil
      end

      # Ruby's own Hash#except gives a plain Hash of the same entries:
      # HashWithIndifferentAccess#except (Rails' filtered params) copies
      # through its key conversion, ten times the calls.
      def without_route(params)
        params = params.to_unsafe_h if params.respond_to?(:to_unsafe_h)
        params = HASH_EXCEPT.bind_call(params, "controller", "action") if params.is_a?(Hash)
        params.empty? ? nil : params
      end

      def graphql_details(operations)
        if operations.one?
          { action: "graphql #{operations.first.label}", graphql: operations.first.to_h }
        else
          { action: "graphql batch #{operations.map(&:label).join(", ")}",
            graphql: { batch: true, operations: operations.map(&:to_h) } }
        end.merge(subject: { type: "graphql", id: operations.map(&:name).join(",") })
      end
    end
  end
end
