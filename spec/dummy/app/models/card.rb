# frozen_string_literal: true

# A member's card, whose validation message quotes its number.
class Card < ApplicationRecord
  belongs_to :member, optional: true

  validates :number, format: { with: /\A\d+\z/, message: "%{value} is not a card number" } # rubocop:disable Style/FormatStringToken -- Rails' own interpolation
end
