# frozen_string_literal: true

module EzlogsRubyAgent
  class HttpTracker
    # What only Ruby can read of a request for its `http.request` event:
    # the client's address by the app's trusted proxies (ClientIp), the
    # params (the ones Rails filtered, else the query string filtered as
    # Rails would filter it), the request's GraphQL operations and its
    # error. The core reads the rest (method, path, status, route, headers,
    # Rails' runtimes) from the env and the response itself
    # (Native.record_http_request).
    module RequestDetails
      GRAPHQL_PATH = %r{/graphql\z}i
      HASH_EXCEPT = ::Hash.instance_method(:except)

      module_function

      # `{ip:, params:, error:}`, and for a GraphQL request `action:`,
      # `subject:` and `graphql:`. `started`: what HttpTracker noted when the
      # request came in; `error`: what the app raised, if it did.
      def of(env, started, error)
        error ||= env["action_dispatch.exception"]
        details = { ip: ClientIp.of(env), params: params(env), error: error && Tracking.error_summary(error) }
        graphql = started.key?(:graphql) ? started[:graphql] : graphql_operations(env, started)
        graphql ? details.merge!(graphql_details(graphql)) : details
      end

      # The GraphQL operations of a POST to .../graphql (one, or a batch).
      def graphql_operations(env, started)
        return unless started[:method] == "POST" && GRAPHQL_PATH.match?(started[:path].to_s)

        GraphqlOperation.from_request(env, ControllerDetails.of(env)&.[](:params))
      end

      # The controller's params, which Rails filtered, else the query
      # string, filtered here as Rails would have filtered it; nil when
      # there are none.
      def params(env)
        params = ControllerDetails.of(env)&.[](:params)
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
