# frozen_string_literal: true

module EzlogsRubyAgent
  # ActionMailer: a `mail.delivery` event per delivered message, in the
  # current flow, and per delivery that raised (with its error). It names
  # the mailer and action, the message id and how many recipients at which
  # domains; never an address.
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

    # A delivery that raises (an SMTP server that refused the message or
    # cannot be reached, with `raise_delivery_errors` on) never reaches
    # the observers: it is recorded where it fails, with its error, which
    # goes on to the app untouched. Mail hands a message to ActionMailer's
    # `deliver_mail` (deliver_now, deliver_later); `deliver!`
    # (deliver_now!) sends it itself.
    module FailedDelivery
      # Prepended to ActionMailer::Base's class methods.
      module Handler
        def deliver_mail(message, ...) = MailTracker.noting_failure(message) { super }
      end

      # Prepended to Mail::Message.
      module Message
        def deliver!(...) = MailTracker.noting_failure(self) { super }
      end
    end

    module_function

    # ActionMailer delivery observer hook.
    def delivered_email(message)
      record(message)
    end

    def noting_failure(message)
      yield
    rescue Exception => e # rubocop:disable Lint/RescueException -- recorded, then re-raised untouched
      record(message, e)
      raise
    end

    def record(message, error = nil)
      return unless Tracking.enabled?(:mail)

      Tracking.safely("recording mail.delivery") do
        mailer, action = message.instance_variable_get(:@__ezlogs_origin)
        Tracking.record("mail.delivery", mailer ? "#{mailer}##{action}" : "delivered",
                        actor: ActorExtractor.extract, subject: { type: "mailer", id: mailer.to_s },
                        metadata: metadata(message, mailer, action, error))
      end
    end

    def metadata(message, mailer, action, error)
      recipients = [message.to, message.cc, message.bcc].flat_map { |list| Array(list) }
      {
        mailer:, action:, message_id: message.message_id,
        recipient_count: recipients.size,
        recipient_domains: recipients.filter_map { |address| domain(address) }.uniq.sort,
        error: error && Tracking.masked_error_summary(error, nil)
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
