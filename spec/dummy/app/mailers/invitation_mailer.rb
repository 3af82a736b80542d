# frozen_string_literal: true

# Sends its mails later through the app's own delivery job.
class InvitationMailer < ActionMailer::Base
  default from: "shop@example.com"
  self.delivery_job = InvitationMailDeliveryJob

  def invitation(user, invite_code)
    mail(to: user.email, subject: "Your invitation", body: "Your code: #{invite_code}")
  end
end
