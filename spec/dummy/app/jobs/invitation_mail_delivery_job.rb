# frozen_string_literal: true

# An app's own mail delivery job (a mailer's `delivery_job`).
class InvitationMailDeliveryJob < ActionMailer::MailDeliveryJob
end
