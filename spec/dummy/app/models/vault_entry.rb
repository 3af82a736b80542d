# frozen_string_literal: true

# A secret kept encrypted by Active Record Encryption (Rails 7 and later);
# `memo` too, a name that no filter would mask by itself. The hint to it is
# kept out of the model's inspect (filter_attributes), which no
# filter_parameters entry covers.
class VaultEntry < ApplicationRecord
  encrypts :secret, :memo if respond_to?(:encrypts)
  self.filter_attributes += [:hint]
end
