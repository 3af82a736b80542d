# frozen_string_literal: true

# A one-shot token: used up, and destroyed, as soon as it is committed.
class AccessToken < ApplicationRecord
  after_create_commit { destroy! }
end
