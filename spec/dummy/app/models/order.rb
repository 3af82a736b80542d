# frozen_string_literal: true

class Order < ApplicationRecord
  class WarehouseDown < StandardError; end

  belongs_to :user

  # An app callback that fails after the row is committed.
  after_create_commit :notify_warehouse, if: -> { status == "undeliverable" }

  private

  def notify_warehouse
    raise WarehouseDown, "the warehouse refused order #{id}"
  end
end
