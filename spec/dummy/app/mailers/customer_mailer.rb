# frozen_string_literal: true

# A parameterized mailer: the customer rides in the mail job's params.
class CustomerMailer < ActionMailer::Base
  default from: "shop@example.com"

  def welcome
    @customer = params[:customer]
    mail(to: @customer.email, subject: "Welcome")
  end
end
