# frozen_string_literal: true

module Billing
  class PDFInvoice < ApplicationRecord
    belongs_to :order
    has_many :line_items, foreign_key: :invoice_id, inverse_of: :invoice, dependent: :destroy
  end
end
