# frozen_string_literal: true

class UsersController < ApplicationController
  def show
    render json: User.find(params[:id]).slice(:id, :name, :email)
  end

  def create
    user = User.new(user_params)
    if user.save
      render json: { id: user.id }, status: :created
    else
      render json: { errors: user.errors }, status: :unprocessable_entity
    end
  end

  def update
    user = User.find(params[:id])
    if user.update(user_params)
      render json: { id: user.id }
    else
      render json: { errors: user.errors }, status: :unprocessable_entity
    end
  end

  def destroy
    User.find(params[:id]).destroy!
    head :no_content
  end

  # An invitation looked up by its code (in the path or the query) as a
  # user's id: ActiveRecord's RecordNotFound quotes the code.
  def invitation
    render json: User.find(params[:invite_code]).slice(:id)
  end

  def whoami
    render plain: Current.user&.name.to_s
  end

  def my_ip
    render plain: request.remote_ip
  end

  private

  def user_params
    params.require(:user).permit(:name, :email, :password, :account_id)
  end
end
