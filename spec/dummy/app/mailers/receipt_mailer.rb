# frozen_string_literal: true

class ReceiptMailer < ActionMailer::Base
  default from: "shop@example.com"

  def receipt
    @order = params[:order]
    mail(to: params[:user].email, cc: "billing@example.org", subject: "Your receipt")
  end
end
