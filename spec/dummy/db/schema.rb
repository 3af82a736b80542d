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

  create_table :customers, force: true do |t|
    t.string :name
    t.string :email
    t.string :street_address
    t.text :notes
    t.string :recovery_code
    t.timestamps
  end

  create_table :billing_pdf_invoices, force: true do |t|
    t.references :order
    t.string :number, null: false
    t.timestamps
  end

  create_table :billing_line_items, force: true do |t|
    t.references :invoice
    t.references :billable, polymorphic: true
    t.string :description
    t.timestamps
  end

  create_table :tickets, force: true do |t|
    t.string :title
    t.string :state
    t.integer :comments_count, null: false, default: 0
    t.timestamps
  end

  create_table :comments, force: true do |t|
    t.references :ticket
    t.string :body
    t.timestamps
  end

  create_table :access_tokens, force: true do |t|
    t.string :token
    t.timestamps
  end

  create_table :vault_entries, force: true do |t|
    t.string :label
    t.string :secret
    t.string :memo
    t.string :hint
    t.timestamps
  end

  # Members and their moderators (single-table inheritance), with cards
  # saved through them (accepts_nested_attributes_for).
  create_table :members, force: true do |t|
    t.string :type
    t.string :name
    t.string :notes
    t.timestamps
  end

  create_table :cards, force: true do |t|
    t.references :member
    t.string :number
    t.string :label
    t.timestamps
  end

  create_table :documents, force: true do |t|
    t.string :title
    t.string :slug
    t.text :tags
    t.integer :lock_version, null: false, default: 0
    t.timestamps
  end

  # delayed_job's queue (its generator's migration).
  create_table :delayed_jobs, force: true do |t|
    t.integer :priority, default: 0, null: false
    t.integer :attempts, default: 0, null: false
    t.text :handler, null: false
    t.text :last_error
    t.datetime :run_at
    t.datetime :locked_at
    t.datetime :failed_at
    t.string :locked_by
    t.string :queue
    t.timestamps null: true
  end
end
