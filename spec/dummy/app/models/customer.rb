# frozen_string_literal: true

# Columns an app would never want in its events: where the customer lives,
# what support wrote about them, and their account recovery code.
class Customer < ApplicationRecord
end
