# frozen_string_literal: true

module Billing
  # `class_name` relative to the namespace, as Rails resolves it; and a
  # polymorphic link, whose type column holds the full class name.
  class LineItem < ApplicationRecord
    belongs_to :invoice, class_name: "PDFInvoice", inverse_of: :line_items
    belongs_to :billable, polymorphic: true, optional: true
  end
end
