# frozen_string_literal: true

require "digest"

module EzlogsRubyAgent
  class HttpTracker
    # The request's session as events name it: a digest of the session id,
    # never the id itself (whoever holds the id holds the session). Read only
    # from a session the app loaded; loading one would decrypt a cookie or
    # query the session store.
    module SessionDigest
      module_function

      def of(env)
        session = env["rack.session"]
        return unless session.respond_to?(:loaded?) && session.loaded?

        id = session.id
        id = id.public_id if id.respond_to?(:public_id)
        Digest::SHA256.hexdigest(id.to_s)[0, 32] unless id.to_s.empty?
      rescue *FAILURES => e # the app's session store: costs the session id, not the event
        ProblemReporter.internal(e, "reading the session id")
        nil
      end
    end
  end
end
