# frozen_string_literal: true

require_relative "http/client_ip"
require_relative "http/controller_details"
require_relative "http/filtered_error"
require_relative "http/filtered_path"
require_relative "http/graphql_operation"
require_relative "http/request_details"
require_relative "http/response_body"
require_relative "http/session_digest"
require_relative "http/uploaded_files"

module EzlogsRubyAgent
  # Rack middleware: one `http.request` event per request. The Railtie puts
  # it first in the stack, so it also sees requests that other middleware
  # answers. The request's event id is chosen when the request starts, so
  # that everything the request causes can name it as its parent.
  class HttpTracker
    # Rack 3 requires lower-case header names; under Rack 2 it is written as
    # Rails 6.1 writes it. (Rack is loaded once a request comes: each
    # middleware asks at its first response, and keeps the answer.)
    def self.request_id_header
      Gem::Version.new(Rack.release) >= Gem::Version.new("3") ? "x-request-id" : "X-Request-ID"
    end

    def initialize(app)
      @app = app
    end

    # Every method here runs on every request, and each Ruby call costs a
    # tracked request time (issue 15): failures are rescued where they
    # happen rather than through Tracking.safely's blocks.
    def call(env)
      return @app.call(env) unless track?(env)

      previous = Native.context_current
      request = start(env)
      request ? track(request, env, previous) : @app.call(env)
    end

    private

    def track(request, env, previous)
      begin
        status, headers, body = @app.call(env)
      rescue Exception => e # rubocop:disable Lint/RescueException -- recorded, then re-raised untouched
        finish(request, env, nil, e)
        raise
      end
      respond(request, env, [status, headers, body])
    ensure
      Native.context_set(previous)
    end

    # The response. The event is recorded once the server has written the
    # body (its close), with the bytes it wrote and what the body raised,
    # and the body is written in the request's context (still current
    # here); an Array body is complete already, so it is recorded now and
    # handed on as it is.
    def respond(request, env, response)
      # Unless the app (Rails' RequestId) set it already.
      request.expose_request_id(response[1], @request_id_header ||= self.class.request_id_header)
      actor = ActorExtractor.extract(env)
      # The server closes rack.input before the body: read GraphQL now.
      graphql = RequestDetails.graphql_operations(env, request)
      body = response[2]
      if body.is_a?(Array)
        finish(request, env, response, nil, body, actor, graphql)
      else
        response[2] = ResponseBody.wrap(body, Native.context_current) do |wrapped|
          finish(request, env, response, wrapped.error, wrapped, actor, graphql)
        end
      end
      response
    rescue *FAILURES => e
      ProblemReporter.internal(e, "tracking the response")
      response
    end

    # Whether the agent and its http switch are on, and the app excludes
    # no part of the path (config.excluded_resources; the core leaves out
    # health checks and assets itself).
    def track?(env)
      config = EzlogsRubyAgent.config
      return false unless config.switches[:http]

      excluded = config.excluded_resources
      excluded.empty? || !ResourceFilter.excluded_path?(env["PATH_INFO"].to_s, excluded)
    rescue *FAILURES
      false
    end

    # Starts the request in the core (Native.http_request_start: its
    # context, made current, its event id, its request id, written into
    # HTTP_X_REQUEST_ID when the client sent no usable one, its clock).
    # nil for a health check or an asset, or when that failed (the request
    # runs untracked).
    def start(env)
      Native.http_request_start(env)
    rescue *FAILURES => e
      ProblemReporter.internal(e, "starting http.request")
      nil
    end

    # `body`: what the server wrote, when it did (the Array the app
    # answered, or the ResponseBody that counted a streamed one). The core
    # reads the event's action, subject and metadata from the env and the
    # response, with what only Ruby can read (RequestDetails), adds the
    # request id and the duration, and records it in the request's context,
    # in its session once the app has loaded one. (Seven parameters rather
    # than an object built per request for them.)
    def finish(request, env, response, error, body = nil, actor = nil, graphql = RequestDetails::UNREAD) # rubocop:disable Metrics/ParameterLists
      request.stop # the request's time, not the agent's reading of it
      bytes_sent = body.bytes_sent if body.is_a?(ResponseBody) # an Array body the core measures
      Native.record_http_request(request, env, response, bytes_sent, actor || ActorExtractor.extract(env),
                                 SessionDigest.of(env), RequestDetails.of(env, request, error, graphql))
    rescue *FAILURES => e
      ProblemReporter.internal(e, "recording http.request")
    end
  end
end
