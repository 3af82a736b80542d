# frozen_string_literal: true

module EzlogsRubyAgent
  class HttpTracker
    # The error an `http.request` event shows (Tracking.error_summary),
    # with the request's values that the app filters masked in its
    # message: an action that looks a token up (`User.find(params[:token])`)
    # raises "Couldn't find User with 'id'=\"S3CRET\"", which would show
    # what the event's params and path mask.
    module FilteredError
      # A value the filtered params do not hold as it came (its key, or a
      # Hash or Array around it, was filtered whole).
      NOT_SHOWN = Object.new.freeze

      module_function

      # `{class:, message:, backtrace:}`. `controller`: the request's
      # ControllerDetails, if a controller ran; `request`: the
      # Native::HttpRequest.
      def of(env, controller, request, error)
        Tracking.masked_error_summary(error, secrets(env, controller, request, error))
      end

      # The route's filtered values (FilteredPath) and, when a controller
      # ran, the values of the params that Rails' filtered params do not
      # show as they came (`action_dispatch.request.parameters`: the params
      # Rails parsed, before filtering).
      def secrets(env, controller, request, error)
        secrets = Array(FilteredPath.route_secrets(env, controller, request, error))
        parsed = env["action_dispatch.request.parameters"]
        not_shown(parsed, controller[:params], secrets) if controller && parsed.is_a?(Hash)
        secrets
      end

      # Adds to `secrets` the values of `value` (Strings, and numbers as
      # text) that `shown` (its filtered counterpart) does not hold.
      def not_shown(value, shown, secrets)
        case value
        when Hash then value.each { |key, item| not_shown(item, entry(shown, key), secrets) }
        when Array then value.each_with_index { |item, index| not_shown(item, entry(shown, index), secrets) }
        when String, Numeric then secrets << value.to_s unless shown == value
        end
      end

      # `shown`'s entry at `key` (a route key is a Symbol, the filtered
      # params' keys are Strings), NOT_SHOWN when it was filtered whole.
      def entry(shown, key)
        case shown
        when Hash then shown.fetch(key) { shown.fetch(key.to_s, NOT_SHOWN) }
        when Array then key.is_a?(Integer) ? shown.fetch(key, NOT_SHOWN) : NOT_SHOWN
        else NOT_SHOWN
        end
      end
    end
  end
end
