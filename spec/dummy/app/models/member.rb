# frozen_string_literal: true

# A member, whose cards are saved with it (accepts_nested_attributes_for:
# a card's failed validation is the member's too, as "cards.number"). Its
# subclass Moderator shares its table (single-table inheritance).
class Member < ApplicationRecord
  has_many :cards, dependent: :destroy
  accepts_nested_attributes_for :cards

  # A message that quotes the value an update replaced.
  validate { errors.add(:base, "notes were #{notes_was}") if name == "quote the old notes" }
end
