# frozen_string_literal: true

require "ipaddr"
require "set"

module EzlogsRubyAgent
  class Configuration
    # Rails' `action_dispatch.trusted_proxies` and `ip_spoofing_check`, as
    # ActionDispatch::RemoteIp builds its list from them: blank keeps the
    # defaults, a list (anything with `any?`) replaces them, a single value
    # (IPAddr, String, Regexp) is added to them. Rails matches each address
    # with `proxy === ip`: an IPAddr as a network, a Regexp as a pattern, a
    # String only when it is that very text.
    #
    # The native core matches networks only. `native` is the list written
    # for it when every entry means the same there (an IPAddr, or a String
    # that is one address as Ruby writes it), else nil, and the client's
    # address is then worked out with Rails' own code (see
    # HttpTracker::ClientIp). Nothing here can stop the app from booting.
    class TrustedProxies
      NATIVE_FORM = %r{\A[0-9A-Fa-f:.]+(?:/\d{1,3})?\z}

      attr_reader :proxies, :ip_spoofing_check, :native

      def self.rails_defaults
        defined?(::ActionDispatch::RemoteIp::TRUSTED_PROXIES) ? ::ActionDispatch::RemoteIp::TRUSTED_PROXIES : []
      end

      def initialize(setting = nil, ip_spoofing_check: true)
        @ip_spoofing_check = ip_spoofing_check
        @custom = !blank?(setting)
        @proxies = if !@custom then self.class.rails_defaults
                   elsif setting.respond_to?(:any?) then setting
                   else
                     [setting, *self.class.rails_defaults]
                   end
        @native = native_list if @custom
      end

      # Whether the core's client_ip gives Rails' answer. (Without custom
      # proxies the core keeps its defaults, which are Rails'.)
      def native?
        !@custom || !@native.nil?
      end

      # Says once when the client's address is left to Rails' code.
      def report
        return if native?

        shown = enumerable? ? @proxies.reject { |proxy| native_entry(proxy) }.map(&:inspect).join(", ") : @proxies.class
        ProblemReporter.bad_setting("action_dispatch.trusted_proxies #{shown}: the native core cannot match " \
                                    "this as Rails does", "the client IP is the one Rails' RemoteIp works out")
      end

      private

      # ActiveSupport's blank?, which RemoteIp uses, without needing it.
      def blank?(setting)
        return setting.blank? if setting.respond_to?(:blank?)

        setting.nil? || setting == false || (setting.respond_to?(:empty?) && setting.empty?)
      end

      # Only a list whose entries can be walked cheaply; RemoteIp itself
      # takes anything with `any?` (a Range of addresses, say).
      def enumerable?
        @proxies.is_a?(Array) || @proxies.is_a?(Set)
      end

      def native_list
        return unless enumerable?

        entries = @proxies.map { |proxy| native_entry(proxy) }
        entries unless entries.include?(nil)
      end

      # An address or network as the core parses it (no zone id: the core
      # would refuse "fe80::1%eth0", and the settings with it).
      def native_entry(proxy)
        entry = case proxy
                when IPAddr then "#{proxy}/#{proxy.prefix}"
                when String then proxy if single_address?(proxy)
                end
        entry if entry&.match?(NATIVE_FORM)
      rescue *FAILURES
        nil
      end

      # "10.0.0.1" matches only "10.0.0.1" in Rails, as in the core; a
      # network written as a String ("10.0.0.0/8") matches nothing there.
      def single_address?(text)
        address = IPAddr.new(text)
        !text.include?("/") && address.to_s == text
      rescue IPAddr::Error
        false
      end
    end
  end
end
