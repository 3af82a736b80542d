# frozen_string_literal: true

# A secret kept encrypted by Active Record Encryption (Rails 7 and later);
# `memo` too, a name that no filter would mask by itself.
class VaultEntry < ApplicationRecord
  encrypts :secret, :memo if respond_to?(:encrypts)
end
