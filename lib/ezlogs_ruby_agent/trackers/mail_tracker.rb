# frozen_string_literal: true

module EzlogsRubyAgent
  # ActionMailer: a `mail.delivery` event per delivered message, in the
  # current flow. It names the mailer and action, the message id and how
  # many recipients at which domains; never an address.
  module MailTracker
    # Prepended to ActionMailer::Base: remembers which mailer action built
    # each message.
    module Origin
      def process(...)
        result = super
        Tracking.safely("noting the mailer action") do
          message.instance_variable_set(:@__ezlogs_origin, [self.class.name, action_name.to_s])
        end
        result
      end
    end

    module_function

    # ActionMailer delivery observer hook.
    def delivered_email(message)
      return unless Tracking.enabled?(:mail)

      Tracking.safely("recording mail.delivery") do
        mailer, action = message.instance_variable_get(:@__ezlogs_origin)
        Tracking.record("mail.delivery", mailer ? "#{mailer}##{action}" : "delivered",
                        actor: ActorExtractor.extract, subject: { type: "mailer", id: mailer.to_s },
                        metadata: metadata(message, mailer, action))
      end
    end

    def metadata(message, mailer, action)
      recipients = [message.to, message.cc, message.bcc].flat_map { |list| Array(list) }
      {
        mailer:, action:, message_id: message.message_id,
        recipient_count: recipients.size,
        recipient_domains: recipients.filter_map { |address| domain(address) }.uniq.sort
      }.compact
    end

    # What follows the last "@" (a quoted local part may hold one); nil for
    # an address without a domain, so that no whole address is ever sent.
    def domain(address)
      local, at, domain = address.to_s.rpartition("@")
      domain.downcase unless at.empty? || local.empty? || domain.empty?
    end
  end
end
