# frozen_string_literal: true

# A support ticket, acknowledged as soon as it exists: it saves itself
# again from its own commit callback, in a second transaction.
class Ticket < ApplicationRecord
  has_many :comments, dependent: :destroy

  after_create_commit :acknowledge

  private

  def acknowledge
    update!(state: "acknowledged")
  end
end
