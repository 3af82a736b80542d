# frozen_string_literal: true

module EzlogsRubyAgent
  class HttpTracker
    # Wraps a Rack response body to count the bytes the server writes and to
    # record the request's event when the server closes the body, which is
    # when the response is complete.
    class ResponseBody
      # The wrapper for `body`: a Rack 3 streaming body (it answers
      # `call(stream)`, not `each`) stays one. `context`: the request's
      # context, the one the app ran in.
      def self.wrap(body, context, &)
        body.respond_to?(:each) || !body.respond_to?(:call) ? new(body, context, &) : Streaming.new(body, context, &)
      end

      # What the body raised while the server wrote it (the app's error:
      # the status was sent already), else nil.
      attr_reader :error

      def initialize(body, context, &on_close)
        @body = body
        @context = context
        @bytes = 0
        @on_close = on_close
      end

      # A streamed body does the app's work as the server writes it (an
      # Enumerator that reads or writes records): in the request's context.
      # What the server's own block raises (a client that went away) is
      # not the app's error.
      def each
        in_request do
          @body.each do |chunk|
            @bytes += chunk.bytesize
            @writing = true
            yield chunk
            @writing = false
          end
        end
      end

      def close
        in_request { @body.close if @body.respond_to?(:close) }
      ensure
        finish
      end

      # A file body the server may send without calling #each. (Asked of
      # the body only when #each wrote nothing: Rails' body answers
      # respond_to? through each middleware's BodyProxy.)
      def bytes_sent
        @bytes.zero? && @body.respond_to?(:to_path) ? File.size?(@body.to_path) : @bytes
      end

      def respond_to_missing?(name, include_private = false)
        name != :to_ary && @body.respond_to?(name, include_private)
      end

      def method_missing(name, *args, &)
        return super if name == :to_ary || !@body.respond_to?(name)

        @body.public_send(name, *args, &)
      end

      private

      def in_request
        previous = Native.context_current
        Native.context_set(@context)
        yield
      rescue Exception => e # rubocop:disable Lint/RescueException -- noted, then re-raised untouched
        @error ||= e unless @writing
        raise
      ensure
        @writing = false
        Native.context_set(previous)
      end

      def finish
        return unless @on_close

        on_close = @on_close
        @on_close = nil
        on_close.call(self)
      end

      # A streaming body: the server hands it the stream, and the response
      # is complete when it returns (or the server closes it). The bytes it
      # wrote are not counted.
      class Streaming < ResponseBody
        undef_method :each

        def call(stream)
          in_request { @body.call(stream) }
        ensure
          finish
        end

        def bytes_sent
          nil
        end
      end
    end
  end
end
