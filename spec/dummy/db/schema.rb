# frozen_string_literal: true

ActiveRecord::Schema.define do
  create_table :accounts, force: true do |t|
    t.string :name, null: false
    t.timestamps
  end

  create_table :users, force: true do |t|
    t.references :account
    t.string :name
    t.string :email, null: false
    t.string :password_digest
    t.timestamps
  end

  create_table :orders, force: true do |t|
    t.references :user
    t.string :status, null: false, default: "pending"
    t.decimal :total, precision: 10, scale: 2
    t.timestamps
  end
end
