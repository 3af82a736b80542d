# frozen_string_literal: true

# A secret kept encrypted by Active Record Encryption (Rails 7 and later).
class VaultEntry < ApplicationRecord
  encrypts :secret if respond_to?(:encrypts)
end
