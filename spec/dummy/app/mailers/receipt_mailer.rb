# frozen_string_literal: true

class ReceiptMailer < ActionMailer::Base
  default from: "shop@example.com"

  def receipt
    @order = params[:order]
    mail(to: params[:user].email, cc: "billing@example.org", subject: "Your receipt")
  end

  # The usual reset or invitation mail: the code by position.
  def invitation(user, invite_code)
    mail(to: user.email, subject: "Your invitation", body: "Your code: #{invite_code}")
  end

  def notice(user:, note:)
    @note = note
    mail(to: user.email, subject: "A notice")
  end
end
