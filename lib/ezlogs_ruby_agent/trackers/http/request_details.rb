# frozen_string_literal: true

module EzlogsRubyAgent
  class HttpTracker
    # What only Ruby can read of a request for its `http.request` event:
    # the params (the ones Rails filtered, else the query string filtered as
    # Rails would filter it), the request's GraphQL operations, its error
    # (with the request's filtered values masked in its message:
    # FilteredError) and its path (with the route's: FilteredPath).
    # The core reads the rest (method, path, status, route, headers,
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
        path = FilteredPath.of(env, controller, request, error)
        details(params, error && FilteredError.of(env, controller, request, error), graphql, path)
      rescue *FAILURES => e
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

      # nil when there are none. `error`: its summary (FilteredError).
      def details(params, error, graphql, path)
        return unless params || error || graphql || path

        details = { params:, error: }
        details[:path] = path if path
        graphql ? details.merge!(graphql_details(graphql)) : details
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
      rescue *FAILURES
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
