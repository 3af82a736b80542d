# frozen_string_literal: true

# Marks the user's latest order as receipted and mails the receipt.
class ReceiptJob < ApplicationJob
  queue_as :default

  def perform(user_id)
    user = User.find(user_id)
    order = user.orders.order(:id).last
    order&.update!(status: "receipted")
    ReceiptMailer.with(user:, order:).receipt.deliver_later
    order&.id
  end
end
