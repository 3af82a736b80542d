# frozen_string_literal: true

module EzlogsRubyAgent
  class HttpTracker
    # What an `http.request` event says about one request and its response:
    # action, subject and metadata, read from the Rack env, the response
    # and what Rails recorded while routing and running the controller.
    class RequestEvent
      GRAPHQL_PATH = %r{/graphql\z}i
      HASH_EXCEPT = ::Hash.instance_method(:except)

      SINGULAR_NAMES = {} # rubocop:disable Style/MutableConstant -- a cache, filled as controllers are seen

      # `started`: what HttpTracker noted when the request came in.
      def self.graphql_operations(env, started)
        return unless started[:method] == "POST" && GRAPHQL_PATH.match?(started[:path].to_s)

        GraphqlOperation.from_request(env, ControllerDetails.of(env)&.[](:params))
      end

      def initialize(env, started, response, error, bytes_sent = nil)
        @env = env
        @started = started
        @bytes_sent = bytes_sent
        @response = response
        @error = error || env["action_dispatch.exception"]
        @controller = ControllerDetails.of(env) || {}
      end

      def action
        return graphql_action if graphql

        "#{request_method} #{path}"
      end

      def subject
        return { type: "graphql", id: graphql.map(&:name).join(",") } if graphql

        id = path_parameters[:id]
        { type: singular(path_parameters[:controller].to_s), id: id.to_s } if id && path_parameters[:controller]
      end

      def metadata
        {
          method: request_method, original_method:, path:, status:, route:, format: @controller[:format],
          ip:, user_agent: @env["HTTP_USER_AGENT"], params:,
          content_type: response_header("Content-Type"), content_length:,
          db_runtime_ms: runtime(:db_runtime), view_runtime_ms: runtime(:view_runtime),
          graphql: graphql_metadata, error: @error && Tracking.error_summary(@error)
        }.compact
      end

      private

      # The method Rails routed (`request.request_method`): after
      # Rack::MethodOverride turned a form's POST with `_method=patch` into
      # a PATCH, and before ShowExceptions dispatched an error page as a
      # GET (it keeps the method in action_dispatch.original_request_method).
      def request_method
        (@env["action_dispatch.original_request_method"] || @env["REQUEST_METHOD"] || @started[:method]).to_s
      end

      # The method sent, when Rack::MethodOverride changed it.
      def original_method
        @env["rack.methodoverride.original_method"]
      end

      def path
        @started[:path].to_s.empty? ? "/" : @started[:path]
      end

      # None when the app raised instead of answering: the server picks the
      # status then, and `error` says what happened.
      def status
        @response && @response[0].to_i
      end

      def path_parameters
        @path_parameters ||= ControllerDetails.path_parameters(@env) || {}
      end

      def route
        controller = path_parameters[:controller]
        "#{controller}##{path_parameters[:action]}" if controller
      end

      # "admin/users" -> "user". Inflection is slow and controllers are few:
      # each answer is kept.
      def singular(controller_path)
        SINGULAR_NAMES[controller_path] ||= begin
          name = controller_path.split("/").last.to_s
          name.respond_to?(:singularize) ? name.singularize : name.delete_suffix("s")
        end
      end

      # The client's address through the app's trusted proxies (ClientIp).
      def ip
        ClientIp.of(@env)
      end

      # The controller's params, which Rails filtered, else the query
      # string, filtered here as Rails would have filtered it. Ruby's own
      # Hash#except gives a plain Hash of the same entries:
      # HashWithIndifferentAccess#except (Rails' filtered params) copies
      # through its key conversion, ten times the calls.
      def params
        params = @controller[:params] || query_params
        params = params.to_unsafe_h if params.respond_to?(:to_unsafe_h)
        params = HASH_EXCEPT.bind_call(params, "controller", "action") if params.is_a?(Hash)
        params.empty? ? nil : params
      rescue StandardError
        nil
      end

      def query_params
        query = @env["QUERY_STRING"].to_s
        query.empty? ? {} : AppFilter.params(Rack::Utils.parse_nested_query(query))
      end

      def response_header(name)
        return unless @response

        headers = @response[1]
        headers[name] || headers[name.downcase]
      end

      # From the header, else the bytes the server wrote.
      def content_length
        length = response_header("Content-Length")
        length ? Integer(length, exception: false) : @bytes_sent
      end

      def runtime(key)
        value = @controller[key]
        value&.to_f&.round(3)
      end

      # The GraphQL operations of a POST to .../graphql (one, or a batch),
      # read by HttpTracker while the request body was still open.
      def graphql
        return @graphql if defined?(@graphql)

        @graphql = @started.key?(:graphql) ? @started[:graphql] : self.class.graphql_operations(@env, @started)
      end

      def graphql_action
        return "graphql #{graphql.first.label}" if graphql.one?

        "graphql batch #{graphql.map(&:label).join(", ")}"
      end

      def graphql_metadata
        return unless graphql
        return graphql.first.to_h if graphql.one?

        { batch: true, operations: graphql.map(&:to_h) }
      end
    end
  end
end
