# frozen_string_literal: true

RSpec.describe EzlogsRubyAgent::CallbacksTracker do
  before { insert_row("accounts", id: 7, name: "Acme") }

  def changes
    events_of("data.change")
  end

  it "emits created, updated and destroyed after commit, with subject, changes, table, model and relations" do
    user = User.create!(name: "Ada", email: "ada@example.com", account_id: 7, password: "hunter2")
    user.update!(name: "Ada L")
    user.destroy!

    created, updated, destroyed = changes
    expect(changes.map { |e| e[:action] }).to eq(%w[user.created user.updated user.destroyed])
    expect(created[:subject]).to eq(type: "user", id: user.id.to_s)
    expect(created[:metadata]).to include(model: "User", table: "users", related: [{ type: "account", id: "7" }])
    expect(created[:metadata][:changes]).to include(name: [nil, "Ada"], email: [nil, "[REDACTED]"],
                                                    password_digest: "[REDACTED]", id: [nil, user.id])
    expect(updated[:metadata][:changes]).to include(name: ["Ada", "Ada L"])
    expect(updated[:metadata][:changes].keys).to contain_exactly(:name, :updated_at)
    # Rails' times (ActiveSupport::TimeWithZone) keep their milliseconds.
    expect(updated[:metadata][:changes][:updated_at].last).to eq(user.updated_at.utc.iso8601(3))
    expect(destroyed[:metadata]).not_to have_key(:changes)
    expect(created[:actor]).to eq(type: "system", id: "system")
  end

  it "writes each TimeWithZone as its instant in UTC, in any zone, and a DateTime after them by its own read" do
    tokyo = Time.utc(2026, 1, 15, 10, 30, 0, 123_456).in_time_zone("Tokyo")
    paris = Time.utc(2026, 7, 1, 8, 0, 0, 5_000).in_time_zone("Paris") # the class's read is remembered now
    # Made from its local time: it has no UTC Time of its own until asked.
    # (Read after `tokyo`, whose read decided how the class is read.)
    local = ActiveSupport::TimeZone["Tokyo"].local(2026, 1, 15, 19, 45, 0, 250_000)
    # Its getutc gives a DateTime: the TimeWithZone's read must not be used for it.
    later = DateTime.new(2026, 7, 1, 10, 0, Rational(7, 1_000), "+02:00")

    EzlogsRubyAgent.log_event(event_type: "shift.planned", action: "planned", actor: { type: "system", id: "1" },
                              metadata: { starts: tokyo, ends: paris, break: local, confirmed: later })

    expect(events_of("shift.planned").last[:metadata]).to eq(starts: "2026-01-15T10:30:00.123Z",
                                                             ends: "2026-07-01T08:00:00.005Z",
                                                             break: "2026-01-15T10:45:00.250Z",
                                                             confirmed: "2026-07-01T08:00:00.007Z")
  end

  it "writes an instant of any year in UTC with milliseconds, as Ruby does: before 1970 and after 9999 too" do
    tokyo = ActiveSupport::TimeZone["Tokyo"]
    times = { born: tokyo.local(1960, 5, 17, 8, 0, 0, 250_000), founded: tokyo.local(1850, 1, 1, 12),
              just_before: Time.at(-1, -1, :usec), far: Time.utc(10_000, 1, 1), ancient: Time.utc(-1, 6, 1) }

    EzlogsRubyAgent.log_event(event_type: "history.noted", action: "noted", actor: { type: "system", id: "1" },
                              metadata: times)

    expect(events_of("history.noted").last[:metadata]).to eq(times.transform_values { |at| at.getutc.iso8601(3) })
    expect(events_of("history.noted").last[:metadata]).to include(just_before: "1969-12-31T23:59:58.999Z",
                                                                  far: "10000-01-01T00:00:00.000Z")
  end

  describe "an update's changes, which are its saved_changes" do
    # What `saved_changes` said in the app's own after_save, as the event
    # writes it.
    def saved_changes_of(document)
      yield
      JSON.parse(JSON.generate(document.saved_changes_seen.except("updated_at")), symbolize_names: true)
    end

    def updated_changes
      changes.last[:metadata][:changes]
    end

    let(:document) { Document.create!(title: "Draft", tags: ["a"]) }

    it "with optimistic locking, a callback's change, an in-place change and a forced one" do
      expected = saved_changes_of(document) do
        document.title = "Final"
        document.tags << "b"
        document.title_will_change!
        document.save!
      end

      expect(updated_changes.except(:updated_at)).to eq(expected)
      expect(expected.keys).to contain_exactly(:title, :slug, :tags, :lock_version)
      expect(updated_changes).to have_key(:updated_at)
    end

    # The app's after_update runs before the agent reads the changes: a
    # touch there leaves Rails another change tracker, and a savepoint
    # there that rolls back is not the transaction the update ran in.
    it "after an after_update that touches the record, or saves it in a savepoint that rolls back" do
      stub_const("BusyDocument", Class.new(Document) do
        after_update(:touch, if: -> { title == "Touched" })
        after_update(if: -> { title == "Undone" }) do
          self.class.transaction(requires_new: true) do
            touch
            raise ActiveRecord::Rollback
          end
        end
      end)
      document = BusyDocument.create!(title: "Draft")
      seen = %w[Touched Undone].map do |title|
        saved_changes_of(document) { document.update!(title:) }
      end

      expect(changes.map { |event| event[:action] }).to eq(%w[busy_document.created] + (["busy_document.updated"] * 2))
      expect(changes.drop(1).map { |event| event[:metadata][:changes].except(:updated_at) }).to eq(seen)
      # What the agent notes on a record lives no longer than its transaction.
      touched = Document.create!(title: "Other").tap(&:touch)
      expect(touched.instance_variables.grep(/ezlogs/)).to be_empty
    end

    # Rails bumps lock_version only when it writes the row.
    it "none for a save of a locked record that changed nothing (save!, the same value, lock! then save!)" do
      document.save!
      document.update!(title: "Draft")
      document.lock!
      document.save!

      expect(changes.map { |event| event[:action] }).to eq(["document.created"])
    end

    it "with partial writes off (every column written)" do
      setting = Document.respond_to?(:partial_updates=) ? :partial_updates : :partial_writes
      Document.public_send(:"#{setting}=", false)
      expected = saved_changes_of(document) { document.update!(title: "Final") }

      expect(updated_changes.except(:updated_at)).to eq(expected)
      expect(expected.keys).to contain_exactly(:title, :slug, :lock_version)
    ensure
      Document.public_send(:"#{setting}=", true)
    end
  end

  it "emits nothing for a save that changed nothing" do
    user = User.create!(name: "Ada", email: "ada@example.com")
    user.save!
    user.update!(name: "Ada")

    expect(changes.map { |e| e[:action] }).to eq(["user.created"])
  end

  it "emits nothing for a rolled-back transaction" do
    ActiveRecord::Base.transaction do
      User.create!(name: "Ghost", email: "ghost@example.com")
      raise ActiveRecord::Rollback
    end

    expect(changes).to be_empty
    expect(User.count).to eq(0)
  end

  it "reports a record created and updated in one transaction once, as created, with all its changes" do
    ActiveRecord::Base.transaction do
      user = User.create!(name: "Ada", email: "ada@example.com")
      user.update!(name: "Ada L")
    end

    expect(changes.map { |e| e[:action] }).to eq(["user.created"])
    expect(changes.first[:metadata][:changes]).to include(name: [nil, "Ada L"])
  end

  it "reports the net change of saves in one transaction: an attribute set back to where it started is left out" do
    user = User.create!(name: "Ada", email: "ada@example.com")
    ActiveRecord::Base.transaction do
      user.update!(name: "Ada L", email: "ada@elsewhere.example")
      user.update!(name: "Ada")
    end

    updated = changes.last
    expect(updated[:action]).to eq("user.updated")
    expect(updated[:metadata][:changes].keys).to contain_exactly(:email, :updated_at)
  end

  it "never reports an attribute that Active Record Encryption keeps encrypted (encrypts) in clear",
     skip: (Rails::VERSION::MAJOR < 7 && "encrypts came with Rails 7") do
    entry = VaultEntry.create!(label: "bank", secret: "s3cr3t-pin-4411")
    entry.update!(label: "bank 2", secret: "n3w-s3cr3t-9922")

    expect(changes.map { |event| event[:action] }).to eq(%w[vault_entry.created vault_entry.updated])
    expect(changes.map { |event| event[:metadata][:changes][:secret] }).to eq(["[REDACTED]"] * 2)
    expect(changes.last[:metadata][:changes][:label]).to eq(["bank", "bank 2"])
    expect(JSON.generate(changes)).not_to include("s3cr3t")
  end

  it "never reports in clear what the model keeps out of its inspect (filter_attributes), nor in a bulk update" do
    entry = VaultEntry.create!(label: "bank", hint: "h1nt-first-pet")
    entry.update!(label: "bank 2", hint: "h1nt-first-car")
    VaultEntry.where(id: entry.id).update_all(hint: "h1nt-bulk", label: "bank 3")

    expect(entry.inspect).to match(/hint: "?\[FILTERED\]/)
    expect(changes.map { |event| event[:action] }).to eq(%w[vault_entry.created vault_entry.updated
                                                            vault_entry.update_all])
    expect(changes.first(2).map { |event| event[:metadata][:changes][:hint] }).to eq(["[REDACTED]"] * 2)
    expect(changes[1][:metadata][:changes][:label]).to eq(["bank", "bank 2"])
    expect(changes.last[:metadata][:updates]).to eq(hint: "[REDACTED]", label: "bank 3")
    expect(JSON.generate(changes)).not_to include("h1nt")
  end

  it "never reports what the model keeps out of its inspect in a failed validation's messages, which may quote it" do
    entry = VaultEntry.new(label: "bank", hint: "h1nt-#{"x" * 40}")
    entry.singleton_class.validates :hint, length: { maximum: 30, message: "%<value>s is too long" }
    entry.singleton_class.validates :label, length: { minimum: 10 }
    expect(entry.save).to be(false)

    failed = changes.last
    expect(failed[:action]).to eq("vault_entry.validation_failed")
    expect(failed[:metadata][:errors]).to include(hint: "[REDACTED]", label: [a_string_including("too short")])
    expect(JSON.generate(changes)).not_to include("h1nt")
  end

  # A message may quote another attribute's value than its own.
  it "masks the values the filters hide wherever a failed validation's messages quote them" do
    entry = VaultEntry.new(label: "bank", hint: "h1nt-quoted", secret: "s3cret-quoted")
    entry.singleton_class.validate { errors.add(:base, "#{hint} / #{secret} are taken") }
    entry.singleton_class.validate { errors.add(:label, "clashes with #{hint}") }
    expect(entry.save).to be(false)

    expect(changes.last[:metadata][:errors])
      .to eq(base: ["[REDACTED] / [REDACTED] are taken"], label: ["clashes with [REDACTED]"])
  end

  # Rails' RecordInvalid says "Validation failed: " and every message.
  it "masks them in the message of the RecordInvalid a job raised" do
    stub_const("VaultSaveJob", Class.new(ActiveJob::Base) do
      def perform(hint)
        entry = VaultEntry.new(label: "bank", hint:)
        entry.singleton_class.validate { errors.add(:label, "clashes with #{self.hint}") }
        entry.save!
      end
    end)
    expect { VaultSaveJob.perform_now("h1nt-job") }.to raise_error(ActiveRecord::RecordInvalid, /h1nt-job/)

    execution = captured.find { |event| event[:event_type] == "job.execution" }
    expect(execution[:metadata][:error][:message]).to eq("Validation failed: Label clashes with [REDACTED]")
  end

  it "never reports an encrypted attribute in clear in a bulk update either",
     skip: (Rails::VERSION::MAJOR < 7 && "encrypts came with Rails 7") do
    entry = VaultEntry.create!(label: "bank", memo: "m3mo-first")
    VaultEntry.where(id: entry.id).update_all(memo: "m3mo-bulk")

    expect(changes.last[:metadata][:updates]).to eq(memo: "[REDACTED]")
    expect(JSON.generate(changes)).not_to include("m3mo")
  end

  it "reports an attribute as Rails normalized and saved it (normalizes)",
     skip: (!Account.respond_to?(:normalizes) && "normalizes came with Rails 7.1") do
    account = Account.create!(name: "  Acme   Tools ")
    account.update!(name: "Acme  Tools Ltd ")

    expect(changes.map { |event| event[:metadata][:changes][:name] }).to eq([[nil, "Acme Tools"],
                                                                             ["Acme Tools", "Acme Tools Ltd"]])
  end

  it "reads relations only from columns that were loaded, and gives a before that was not loaded as nil" do
    setting = User.respond_to?(:partial_updates=) ? :partial_updates : :partial_writes
    partial = User.public_send(setting)
    insert_row("users", id: 5, account_id: 7, name: "Ada", email: "ada@example.com", password_digest: "x")
    User.select(:id, :name, :email).find(5).update!(name: "Ada L")
    User.public_send(:"#{setting}=", false) # saved_changes read whole
    User.select(:id, :name, :email).find(5).update!(name: "Ada M")
    User.public_send(:"#{setting}=", partial)
    ActiveRecord::Base.transaction do # an unknown before is no value an attribute is set back to
      user = User.select(:id, :name, :email).find(5)
      user.update!(password_digest: "y")
      user.update!(password_digest: nil)
    end

    expect(changes.map { |event| event[:metadata][:related] }).to eq([[], [], []])
    expect(changes.map { |event| event[:metadata][:changes][:updated_at].first }).to eq([nil, nil, nil])
    expect(changes.map { |event| event[:metadata][:changes][:name] }).to eq([["Ada", "Ada L"], ["Ada L", "Ada M"], nil])
    expect(changes.last[:metadata][:changes]).to have_key(:password_digest)
  ensure
    User.public_send(:"#{setting}=", partial) if setting
  end

  it "names a related record's type as that record's own events name it: namespaced, acronyms, polymorphic" do
    insert_row("orders", id: 9, status: "paid")
    invoice = Billing::PDFInvoice.create!(order_id: 9, number: "INV-1")
    Current.user = invoice # any model can be the actor
    Billing::LineItem.create!(invoice:, billable: invoice, description: "Setup")

    invoice_change, item_change = changes
    expect(invoice_change[:subject]).to eq(type: "billing_pdf_invoice", id: invoice.id.to_s)
    expect(invoice_change[:metadata][:related]).to eq([{ type: "order", id: "9" }])
    expect(item_change[:metadata][:related]).to eq([invoice_change[:subject], invoice_change[:subject]])
    expect(item_change[:actor]).to eq(invoice_change[:subject])
  ensure
    Current.reset
  end

  it "relates a record by its id only: through an aliased key, never through a key to another of its columns" do
    connection = ActiveRecord::Base.connection
    connection.create_table(:writers, force: true) { |t| t.string :uuid }
    connection.create_table(:notes, force: true) do |t|
      t.integer :writer_ref
      t.string :writer_uuid
    end
    stub_const("Writer", Class.new(ApplicationRecord))
    stub_const("Note", Class.new(ApplicationRecord) do
      alias_attribute :writer_key, :writer_ref
      belongs_to :writer, foreign_key: :writer_key, optional: true
      belongs_to :signer, class_name: "Writer", foreign_key: :writer_uuid, primary_key: :uuid, optional: true
    end)
    writer = Writer.create!(uuid: "7f3c")
    Note.create!(writer_ref: writer.id, writer_uuid: "7f3c")

    expect(changes.last[:metadata][:related]).to eq([{ type: "writer", id: writer.id.to_s }])
  ensure
    ActiveRecord::Base.connection.drop_table(:notes, if_exists: true)
    ActiveRecord::Base.connection.drop_table(:writers, if_exists: true)
  end

  it "names a record related by a composite foreign key as that record's own events name it",
     skip: (ActiveRecord.version < Gem::Version.new("7.1") && "composite keys came with Rails 7.1") do
    connection = ActiveRecord::Base.connection
    connection.create_table(:shipments, primary_key: %i[warehouse_id id], force: true) do |t|
      t.integer :warehouse_id
      t.integer :id
    end
    connection.create_table(:parcels, force: true) do |t|
      t.integer :shipment_warehouse_id
      t.integer :shipment_id
    end
    stub_const("Shipment", Class.new(ApplicationRecord) { self.primary_key = %i[warehouse_id id] })
    stub_const("Parcel", Class.new(ApplicationRecord) do
      belongs_to :shipment, foreign_key: %i[shipment_warehouse_id shipment_id], optional: true
    end)
    Parcel.create!(shipment: Shipment.create!(id: [3, 8]))
    Parcel.create!

    shipment, parcel, loose = changes
    expect(shipment[:subject]).to eq(type: "shipment", id: "[3, 8]")
    expect(parcel[:metadata][:related]).to eq([shipment[:subject]])
    expect(loose[:metadata][:related]).to eq([])
  ensure
    ActiveRecord::Base.connection.drop_table(:parcels, if_exists: true)
    ActiveRecord::Base.connection.drop_table(:shipments, if_exists: true)
  end

  it "forgets only a rolled-back savepoint's changes; the outer transaction's still commit" do
    user = User.create!(name: "Ada", email: "ada@example.com")
    created = nil
    ActiveRecord::Base.transaction do
      user.update!(name: "Ada L")
      created = User.create!(name: "Bob", email: "bob@example.com")
      ActiveRecord::Base.transaction(requires_new: true) do
        user.update!(email: "ada@elsewhere.example")
        created.update!(name: "Robert")
        raise ActiveRecord::Rollback
      end
    end

    updated, bob = changes.drop(1)
    expect(changes.map { |e| e[:action] }).to eq(%w[user.created user.updated user.created])
    expect(updated[:metadata][:changes].keys).to contain_exactly(:name, :updated_at)
    expect(bob[:subject]).to eq(type: "user", id: created.id.to_s)
    expect(bob[:metadata][:changes]).to include(name: [nil, "Bob"])
    expect(user.reload.email).to eq("ada@example.com")
  end

  it "emits once, after the outer transaction commits" do
    ActiveRecord::Base.transaction do
      ActiveRecord::Base.transaction(requires_new: true) { User.create!(name: "Ada", email: "ada@example.com") }
      expect(changes).to be_empty
    end

    expect(changes.map { |e| e[:action] }).to eq(["user.created"])
  end

  it "reports validation failures of save and save!, with the errors" do
    user = User.new(name: "Nobody", email: "not-an-address")
    expect(user.save).to be(false)
    expect { user.save! }.to raise_error(ActiveRecord::RecordInvalid)

    expect(changes.map { |e| e[:action] }).to eq(%w[user.validation_failed user.validation_failed])
    expect(changes.first[:metadata]).to include(model: "User", new_record: true, errors: { email: ["is invalid"] })
    expect(changes.first[:subject]).to eq(type: "user")
  end

  describe "bulk operations, one event each with the rows affected" do
    before do
      insert_row("users", id: 1, name: "A", email: "a@example.com")
      insert_row("users", id: 2, name: "B", email: "b@example.com")
    end

    it "insert_all and upsert_all" do
      now = Time.now
      User.insert_all([{ id: 3, name: "C", email: "c@example.com", created_at: now, updated_at: now },
                       { id: 4, name: "D", email: "d@example.com", created_at: now, updated_at: now }])
      User.upsert_all([{ id: 4, name: "D2", email: "d@example.com", created_at: now, updated_at: now }])

      insert, upsert = changes
      expect(insert).to include(action: "user.insert_all", subject: { type: "user" })
      expect(insert[:metadata]).to include(operation: "insert_all", rows_given: 2, affected_rows: 2, table: "users")
      expect(upsert[:metadata]).to include(operation: "upsert_all", rows_given: 1, affected_rows: 1)
    end

    it "update_all and delete_all" do
      User.where(id: 1).update_all(name: "renamed")
      User.delete_all

      update, delete = changes
      expect(update[:action]).to eq("user.update_all")
      expect(update[:metadata]).to include(affected_rows: 1, updates: { name: "renamed" })
      expect(delete[:action]).to eq("user.delete_all")
      expect(delete[:metadata]).to include(affected_rows: 2)
    end

    it "waits for the transaction: nothing for a rolled-back bulk write, one event after a commit" do
      ActiveRecord::Base.transaction do
        User.update_all(name: "never")
        raise ActiveRecord::Rollback
      end
      ActiveRecord::Base.transaction do
        User.where(id: 1).delete_all
        expect(changes).to be_empty
      end

      expect(changes.map { |e| e[:action] }).to eq(["user.delete_all"])
    end

    it "destroy_all, which also reports each destroyed record" do
      User.where(id: [1, 2]).destroy_all

      expect(changes.map { |e| e[:action] }).to eq(%w[user.destroyed user.destroyed user.destroy_all])
      expect(changes.last[:metadata]).to include(affected_rows: 2)
    end
  end

  describe "included_resources and excluded_resources" do
    it "match model names case-insensitively, as strings or regexps" do
      EzlogsRubyAgent.config.excluded_resources = ["USER"]
      User.create!(name: "A", email: "a@example.com")
      Account.create!(name: "B")
      EzlogsRubyAgent.config.excluded_resources = []
      EzlogsRubyAgent.config.included_resources = [/^acc/]
      User.create!(name: "C", email: "c@example.com")
      Account.create!(name: "D")

      expect(changes.map { |e| e[:action] }).to eq(%w[account.created account.created])
    end

    it "take model classes" do
      EzlogsRubyAgent.config.excluded_resources = [User]
      User.create!(name: "A", email: "a@example.com")
      Account.create!(name: "B")

      expect(changes.map { |e| e[:action] }).to eq(%w[account.created])
    end

    it "match a namespaced name with acronyms in its underscored form" do
      EzlogsRubyAgent.config.excluded_resources = ["billing/pdf_invoice"]
      insert_row("orders", id: 9, status: "paid")
      Billing::PDFInvoice.create!(order_id: 9, number: "INV-1")
      Account.create!(name: "B")

      expect(changes.map { |e| e[:action] }).to eq(%w[account.created])
    end

    it "never raise, even for a pattern that cannot be matched against the name" do
      binary = Regexp.new("\xFF".b)
      expect { binary.match?("Café") }.to raise_error(Encoding::CompatibilityError)

      expect(EzlogsRubyAgent::ResourceFilter.name_matches?(binary, "Café")).to be(false)
      EzlogsRubyAgent.config.included_resources = [binary, "user"]
      User.create!(name: "A", email: "a@example.com")
      expect(changes.size).to eq(1)
    end
  end

  it "inherits the enclosing request's correlation, pointing at the http.request event" do
    insert_row("users", id: 123, name: "Ada", email: "ada@example.com")
    patch "/users/123", { user: { name: "Ada L" } }

    request = events_of("http.request").first
    change = changes.first
    expect(change[:correlation]).to include(flow_id: request[:correlation][:flow_id],
                                            request_id: request[:correlation][:request_id],
                                            parent_event_id: request[:event_id])
  end

  it "is off when instrumentation.active_record is off" do
    EzlogsRubyAgent.config.instrumentation.active_record = false
    User.create!(name: "A", email: "a@example.com")

    expect(changes).to be_empty
  end
end
