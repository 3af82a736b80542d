# frozen_string_literal: true

require_relative "http/client_ip"
require_relative "http/controller_details"
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
    # Health checks and static assets are noise, not user journeys.
    DEFAULT_EXCLUDED_PATHS = Regexp.union(
      %r{\A/(?:health|healthz|healthcheck|up|ping|livez|readyz)(?:\z|[/.])}i,
      %r{\A/(?:assets|packs|vite)/}i,
      /\.(?:css|js|map|ico|png|jpe?g|gif|svg|webp|woff2?|ttf|eot)\z/i
    )
    REQUEST_ID_HEADERS = %w[X-Request-Id X-Request-ID x-request-id].freeze

    # Rack 3 requires lower-case header names; under Rack 2 it is written as
    # Rails 6.1 writes it. (Rack is loaded once a request comes.)
    def self.request_id_header
      @request_id_header ||= Gem::Version.new(Rack.release) >= Gem::Version.new("3") ? "x-request-id" : "X-Request-ID"
    end

    def initialize(app)
      @app = app
    end

    def call(env)
      track?(env) ? track(env) : @app.call(env)
    end

    private

    def track(env)
      previous = Tracking.safely("reading the context") { CorrelationManager.current_context }
      request = start(env)
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
    # body (its close), with the bytes it wrote; an Array body is complete
    # already, so it is recorded now and handed on as it is.
    def respond(request, env, response)
      return response unless request

      Tracking.safely("tracking the response") do
        expose_request_id(response[1], request[:native])
        request[:actor] = ActorExtractor.extract(env)
        # The server closes rack.input before the body: read GraphQL now.
        request[:graphql] = RequestDetails.graphql_operations(env, request)
        body = response[2]
        if body.is_a?(Array)
          finish(request, env, response, nil, body)
        else
          response[2] = ResponseBody.wrap(body) { |wrapped| finish(request, env, response, nil, wrapped) }
        end
      end
      response
    end

    def track?(env)
      Tracking.enabled?(:http) && !ResourceFilter.excluded_path?(env["PATH_INFO"].to_s, default: DEFAULT_EXCLUDED_PATHS)
    rescue StandardError
      false
    end

    # Starts the request in the core (Native.http_request_start: its
    # context, made current, its event id, its request id, written into
    # HTTP_X_REQUEST_ID when the client sent no usable one, its clock).
    # Returns what `finish` needs, or nil when that failed (the request
    # runs untracked).
    def start(env)
      Tracking.safely("starting http.request") do
        # Method and path as they came in: Rails' error pages rewrite PATH_INFO.
        { native: Native.http_request_start(env), method: env["REQUEST_METHOD"], path: env["PATH_INFO"] }
      end
    end

    # `body`: what the server wrote, when it did. The core reads the event's
    # action, subject and metadata from the env and the response, with what
    # only Ruby can read (RequestDetails), adds the request id and the
    # duration, and records it in the request's context, in its session
    # once the app has loaded one.
    def finish(request, env, response, error, body = nil)
      return unless request

      Tracking.safely("recording http.request") do
        request[:native].stop # the request's time, not the agent's reading of it
        # A failure reading the details costs the details, not the event.
        details = Tracking.safely("reading request details") { RequestDetails.of(env, request, error) }
        Native.record_http_request(request[:native], env, response, bytes_of(body),
                                   request[:actor] || ActorExtractor.extract(env),
                                   Tracking.safely("reading the session id") { SessionDigest.of(env) }, details)
      end
    end

    def bytes_of(body)
      case body
      when ResponseBody then body.bytes_sent
      when Array then body.sum { |part| part.to_s.bytesize }
      end
    end

    # Unless the app (Rails' RequestId) set it already.
    def expose_request_id(headers, native_request)
      return if headers.frozen? || REQUEST_ID_HEADERS.any? { |name| headers.key?(name) }

      headers[self.class.request_id_header] = native_request.request_id
    end
  end
end
