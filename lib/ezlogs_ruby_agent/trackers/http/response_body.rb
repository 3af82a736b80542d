# frozen_string_literal: true

require "delegate"

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
        @iterated = false
        @on_close = on_close
      end

      # A streamed body does the app's work as the server writes it (an
      # Enumerator that reads or writes records): in the request's context.
      def each
        @iterated = true
        in_request do
          @body.each do |chunk|
            @bytes += chunk.bytesize
            server_io { yield chunk }
          end
        end
      end

      def close
        return if @closed

        @closed = true
        in_request { @body.close if @body.respond_to?(:close) }
      ensure
        finish
      end

      # A file body the server may send without calling #each (Rack's
      # `to_path`). Asked of the body only when the server did not call
      # #each (nor, for a Streaming body, wrote to the stream): Rails' body
      # answers respond_to? through each middleware's BodyProxy, 15 Ruby
      # calls. Nil when the file is gone.
      def bytes_sent
        return @bytes if @iterated || !@bytes.zero? || !@body.respond_to?(:to_path)

        File.size(@body.to_path)
      rescue *FAILURES
        nil
      end

      def respond_to_missing?(name, include_private = false)
        @body.respond_to?(name, include_private)
      end

      def method_missing(name, *args, &)
        return super unless @body.respond_to?(name)
        return whole if name == :to_ary

        @body.public_send(name, *args, &)
      end

      private

      # `to_ary`, for a body that has it: the body whole, which a server
      # sends with a Content-Length (Puma 6 does). Rack's SPEC has `to_ary`
      # close the body, as Rack 3's BodyProxy does; an answer that is not an
      # Array (Rails 6.1's is nil) leaves the body open for `each`.
      def whole
        parts = in_request { @body.to_ary }
        return parts unless parts.is_a?(Array)

        @iterated = true
        @bytes += parts.sum { |part| part.to_s.bytesize }
        close
        parts
      end

      # What the body raises is the request's error, unless it is what the
      # server's I/O raised (a client that went away) passing through.
      # (CorrelationManager.with_context, by hand: it runs on every Rails
      # response, twice, and its Ruby calls cost the request's time.)
      def in_request
        previous = Native.context_current
        Native.context_set(@context)
        yield
      rescue Exception => e # rubocop:disable Lint/RescueException -- noted, then re-raised untouched
        @error ||= e unless e.equal?(@server_error)
        raise
      ensure
        Native.context_set(previous)
      end

      # The server's own I/O: writing a part, or the stream a streaming
      # body works on.
      def server_io
        yield
      rescue Exception => e # rubocop:disable Lint/RescueException -- noted, then re-raised untouched
        @server_error = e
        raise
      end

      def finish
        return unless @on_close

        on_close = @on_close
        @on_close = nil
        on_close.call(self)
      end

      # A streaming body: the server hands it the stream, and the response
      # is complete when it returns (or the server closes it). The bytes
      # are those it wrote to the stream.
      class Streaming < ResponseBody
        undef_method :each

        def call(stream)
          in_request { @body.call(Stream.new(stream, self)) }
        ensure
          finish
        end

        # For Stream: the server's stream at work for the body; `bytes`
        # counted once they are written.
        def stream_io(bytes = 0, &)
          result = server_io(&)
          @bytes += bytes
          result
        end

        # The server's stream as the body sees it (the Rack 3 SPEC's
        # methods): its I/O noted as the server's, its writes counted.
        class Stream < SimpleDelegator
          def initialize(stream, body)
            super(stream)
            @body = body
          end

          def write(*parts) = @body.stream_io(parts.sum { |part| part.to_s.bytesize }) { __getobj__.write(*parts) }

          def <<(part)
            @body.stream_io(part.to_s.bytesize) { __getobj__ << part }
            self
          end

          def read(...) = @body.stream_io { __getobj__.read(...) }

          def flush = @body.stream_io { __getobj__.flush }

          def close = @body.stream_io { __getobj__.close }

          def close_read = @body.stream_io { __getobj__.close_read }

          def close_write = @body.stream_io { __getobj__.close_write }
        end
      end
    end
  end
end
