# frozen_string_literal: true

# Namespaced models, with their tables prefixed as Rails generates them.
module Billing
  def self.table_name_prefix
    "billing_"
  end
end
