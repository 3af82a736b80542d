# frozen_string_literal: true

class User < ApplicationRecord
  belongs_to :account, optional: true
  has_many :orders, dependent: :destroy

  validates :email, presence: true, format: { with: /@/ }

  # A stand-in for has_secure_password (bcrypt is not among the test gems).
  attr_accessor :password

  before_save { self.password_digest = Digest::SHA256.hexdigest(password) if password }

  # A changed e-mail address gets a receipt of the latest order there.
  after_update_commit :send_receipt, if: :saved_change_to_email?

  private

  def send_receipt
    ReceiptJob.perform_later(id)
  end
end
