# frozen_string_literal: true

module EzlogsRubyAgent
  class HttpTracker
    # The client's address, as Rails' RemoteIp gives it to the app, when
    # the core cannot work it out alone. When Rails already worked it out
    # for this request (its GetIp memoizes the answer), that answer.
    # Otherwise nil when the core matches every trusted proxy as Rails does
    # (it reads the address itself, in Native.record_http_request, at about
    # 1 µs), else Rails' own GetIp's answer with the app's settings
    # (40-200 µs: it builds an IPAddr per address). A request Rails takes
    # for IP spoofing is reported from REMOTE_ADDR, never from the header
    # the client may have written.
    module ClientIp
      RAILS_KEY = "action_dispatch.remote_ip"

      module_function

      def of(env)
        rails = env[RAILS_KEY]
        computed = already_computed(rails)
        return computed if computed

        proxies = EzlogsRubyAgent.config.rails_settings.trusted_proxies
        return if proxies.native? && !spoofing_check?(proxies, env)
        return unless rails || defined?(::ActionDispatch::RemoteIp::GetIp)

        rails_answer(rails || get_ip(env, proxies), env)
      end

      # GetIp keeps its answer in @ip once the app asked for it.
      def already_computed(remote_ip)
        remote_ip.instance_variable_get(:@ip)&.to_s if remote_ip.instance_variable_defined?(:@ip)
      end

      # Rails' GetIp (or whatever the app put in its place).
      def rails_answer(remote_ip, env)
        remote_ip.to_s
      rescue StandardError # ActionDispatch::RemoteIp::IpSpoofAttackError
        Native.client_ip(env["REMOTE_ADDR"], nil, nil)
      end

      # Rails checks the two headers against each other, which the core does
      # not: with both present, Rails' code decides.
      def spoofing_check?(proxies, env)
        proxies.ip_spoofing_check && env["HTTP_CLIENT_IP"] && env["HTTP_X_FORWARDED_FOR"]
      end

      def get_ip(env, proxies)
        ::ActionDispatch::RemoteIp::GetIp.new(::ActionDispatch::Request.new(env), proxies.ip_spoofing_check,
                                              proxies.proxies)
      end
    end
  end
end
