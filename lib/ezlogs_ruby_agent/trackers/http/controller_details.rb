# frozen_string_literal: true

module EzlogsRubyAgent
  class HttpTracker
    # What Rails measured in the controller that ran a request (the
    # `process_action.action_controller` payload), kept in the Rack env for
    # the request's event, with the route it ran and what the action
    # raised (`exception_object`: ActiveSupport::Notifications sets it for
    # an exception that left the action, one that an
    # ActionController::Live action raised after the response started
    # too, which Rails logs rather than raises).
    module ControllerDetails
      KEY = "ezlogs.controller"

      module_function

      # ActiveSupport::Notifications calls a listener that has `start` and
      # `finish` with (name, id, payload) and nothing else: a block would
      # cost each request two Time objects and an Array (Rails' Timed
      # subscriber).
      def start(_name, _id, _payload); end

      # Kept only while the http switch is on: no event reads it otherwise.
      def finish(_name, _id, payload)
        finished(payload) if EzlogsRubyAgent.config.switches[:http]
      end

      # A controller that runs once ShowExceptions has taken over is an
      # error page (`exceptions_app = routes`), not the request's: its
      # details are not kept. The router merged the error page's route into
      # the request's path parameters, which is why the request's own are
      # kept here.
      def finished(payload)
        env = payload[:request]&.env
        return if env.nil? || error_page?(env)

        details = payload.slice(:params, :format, :db_runtime, :view_runtime, :exception_object)
        details[:path_parameters] = env["action_dispatch.request.path_parameters"]
        details[:params] = UploadedFiles.describe(details[:params]) if env["CONTENT_TYPE"]&.start_with?("multipart/")
        env[KEY] = details
      rescue *FAILURES => e
        ProblemReporter.internal(e, "reading process_action.action_controller")
      end

      def of(env)
        env[KEY]
      end

      # The route the app first gave the request: its controller's, else the
      # router's, unless an error page was dispatched since (its route is
      # not the request's).
      def path_parameters(env)
        of(env)&.[](:path_parameters) ||
          (env["action_dispatch.request.path_parameters"] unless error_page?(env))
      end

      # Whether Rails' ShowExceptions dispatched an error page for the
      # request (it notes the path that failed first).
      def error_page?(env)
        env.key?("action_dispatch.original_path")
      end
    end
  end
end
