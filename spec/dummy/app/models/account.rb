# frozen_string_literal: true

class Account < ApplicationRecord
  has_many :users, dependent: :destroy

  # Rails 7.1 and later.
  normalizes :name, with: ->(name) { name.squish } if respond_to?(:normalizes)
end
