# frozen_string_literal: true

module EzlogsRubyAgent
  class HttpTracker
    # The client's address by Rails' own code, for the requests the core
    # cannot answer as Rails' RemoteIp would: when the app trusts proxies
    # the core cannot match (a Regexp, a network written as a String), or
    # when both X-Forwarded-For and Client-Ip came for Rails' spoofing check
    # to compare. The core answers every other request itself (at about
    # 1 µs, where Rails' GetIp takes 40-200 µs: it builds an IPAddr per
    # address), and takes the answer Rails already worked out for a request
    # when the app asked for it (Native.record_http_request).
    module ClientIp
      RAILS_KEY = "action_dispatch.remote_ip"

      module_function

      # Rails' GetIp's answer with the app's settings (the request's own
      # when RemoteIp ran); nil without ActionDispatch. A request Rails
      # takes for IP spoofing is reported from REMOTE_ADDR, never from the
      # header the client may have written. Called by the core.
      def rails(env)
        rails = env[RAILS_KEY]
        return unless rails || defined?(::ActionDispatch::RemoteIp::GetIp)

        rails_answer(rails || get_ip(env, EzlogsRubyAgent.config.rails_settings.trusted_proxies), env)
      rescue *FAILURES => e
        ProblemReporter.internal(e, "reading the client's address")
        nil
      end

      def rails_answer(remote_ip, env)
        remote_ip.to_s
      rescue *FAILURES # ActionDispatch::RemoteIp::IpSpoofAttackError
        Native.client_ip(env["REMOTE_ADDR"], nil, nil)
      end

      def get_ip(env, proxies)
        ::ActionDispatch::RemoteIp::GetIp.new(::ActionDispatch::Request.new(env), proxies.ip_spoofing_check,
                                              proxies.proxies)
      end
    end
  end
end
