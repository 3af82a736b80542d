# frozen_string_literal: true

class OrdersController < ApplicationController
  def create
    order = Order.create!(params.require(:order).permit(:user_id, :total))
    render json: { id: order.id }, status: :created
  end
end
