# frozen_string_literal: true

# A `data.change` event reports the net change one committed transaction
# made to one record, as Rails' own record and transaction state say:
# whatever the app's own commit callbacks do, and whatever other objects
# share or copy the record's state.
RSpec.describe "data.change follows Rails' record and transaction state" do
  def changes
    events_of("data.change")
  end

  def actions
    changes.map { |event| event[:action] }
  end

  it "reports a record that updates itself from its own after_commit on create as created, then updated" do
    ticket = Ticket.create!(title: "Printer on fire")

    expect(ticket.reload.state).to eq("acknowledged")
    expect(actions).to eq(%w[ticket.created ticket.updated])
    created, updated = changes.map { |event| event[:metadata][:changes] }
    expect(created).to include(id: [nil, ticket.id], title: [nil, "Printer on fire"])
    expect(created).not_to have_key(:state)
    expect(updated).to include(state: [nil, "acknowledged"])
    expect(updated.keys).to contain_exactly(:state, :updated_at)
  end

  it "reports a record that destroys itself from its own after_commit on create as created, then destroyed" do
    token = AccessToken.create!(token: "one-shot")

    expect(AccessToken.exists?(token.id)).to be(false)
    expect(actions).to eq(%w[access_token.created access_token.destroyed])
    expect(changes.map { |event| event[:subject] }).to eq([{ type: "access_token", id: token.id.to_s }] * 2)
  end

  it "reports a committed change even when the app's own after_commit raises, and hands the app its error" do
    user_id = insert_row("users", id: 1, name: "Ada", email: "ada@example.com")

    expect { Order.create!(user_id:, status: "undeliverable") }
      .to raise_error(Order::WarehouseDown, /the warehouse refused order \d+/)

    expect(Order.count).to eq(1)
    expect(actions).to eq(["order.created"])
  end

  # Rails skips the commit callbacks of the other records of the
  # transaction once one raises; their rows are committed all the same.
  it "reports every record of a transaction in which one record's after_commit raises" do
    user_id = insert_row("users", id: 1, name: "Ada", email: "ada@example.com")

    expect do
      ActiveRecord::Base.transaction do
        Order.create!(user_id:, status: "undeliverable")
        Account.create!(name: "Acme")
      end
    end.to raise_error(Order::WarehouseDown)

    expect(actions).to eq(%w[order.created account.created])
  end

  # The rule: a row that no one outside the transaction saw exist is not
  # reported; a row that existed before and is gone after is destroyed.
  it "reports nothing for a record created and destroyed in one transaction, destroyed for one that existed" do
    insert_row("accounts", id: 7, name: "Acme")

    ActiveRecord::Base.transaction do
      Account.create!(name: "Fleeting").destroy!
      temporary = Account.create!(name: "Temp")
      temporary.update!(name: "Temp 2")
      temporary.destroy!
    end
    ActiveRecord::Base.transaction do
      account = Account.find(7)
      account.update!(name: "Acme 2")
      account.destroy!
    end

    expect(actions).to eq(["account.destroyed"])
    expect(changes.first[:subject]).to eq(type: "account", id: "7")
  end

  it "forgets a destroy that a savepoint took back, and keeps the outer transaction's update" do
    insert_row("accounts", id: 7, name: "Acme")

    ActiveRecord::Base.transaction do
      account = Account.find(7)
      account.update!(name: "Acme 2")
      ActiveRecord::Base.transaction(requires_new: true) do
        account.destroy!
        raise ActiveRecord::Rollback
      end
    end

    expect(Account.find(7).name).to eq("Acme 2")
    expect(actions).to eq(["account.updated"])
    expect(changes.first[:metadata][:changes]).to include(name: ["Acme", "Acme 2"])
  end

  it "keeps a copy's saves apart from the record it was copied from (dup)" do
    ActiveRecord::Base.transaction do
      original = Account.create!(name: "Original")
      copy = original.dup
      copy.update!(name: "Copy")
    end

    expect(actions).to eq(%w[account.created account.created])
    names = changes.map { |event| event[:metadata][:changes][:name] }
    expect(names).to eq([[nil, "Original"], [nil, "Copy"]])
    expect(changes.map { |event| event[:subject][:id] }.uniq.size).to eq(2)
  end

  # Rails holds a transaction's records weakly when their model has no
  # commit callbacks (Account has none).
  it "reports the records of a transaction that the app let go of before it committed" do
    ActiveRecord::Base.transaction do
      20.times { |n| Account.create!(name: "Account #{n}") }
      GC.start
    end

    expect(actions).to eq(["account.created"] * 20)
  end

  describe "counter caches and other SQL expressions in update_all" do
    it "reports what the SQL does, readably" do
      ticket = Ticket.create!(title: "Printer on fire")
      EzlogsRubyAgent.clear_captured_events

      Comment.create!(ticket:, body: "Have you tried turning it off?")
      Ticket.update_counters(ticket.id, comments_count: -2)
      Ticket.where(id: ticket.id).update_all(state: "closed", comments_count: Arel.sql("comments_count * 2"))

      expect(ticket.reload.comments_count).to eq(-2)
      counters = changes.select { |event| event[:action] == "ticket.update_all" }
      updates = counters.map { |event| event[:metadata][:updates] }
      expect(updates).to eq([{ comments_count: 'COALESCE("comments_count", 0) + 1' },
                             { comments_count: 'COALESCE("comments_count", 0) - 2' },
                             { state: "closed", comments_count: "comments_count * 2" }])
      expect(JSON.generate(changes)).not_to include("unrepresentable", "Arel")
    end
  end
end
