# frozen_string_literal: true

require "singleton"

# Entries of filter_parameters the native redactor cannot apply (a Proc, a
# Regexp its matcher refuses) are applied with Rails' ParameterFilter
# wherever the app's values are reported. The entries are added to the
# app's own filter_parameters (the Array Rails filters controller params
# with) for each example, and the agent configured again, as at boot.
RSpec.describe "filter_parameters the native core cannot apply" do
  let(:filters) { Rails.application.config.filter_parameters }
  # Masks the value in place, as Rails documents for Procs; a String key
  # compared to a String, as Rails' params have them.
  let(:recovery_code_filter) do
    ->(key, value) { value.replace("[hidden by the app]") if key == "recovery_code" && value.is_a?(String) }
  end
  let(:added) { [recovery_code_filter, /pin(?!_hint)/] }
  let(:secret) { "RC-7731-SECRET" }

  let!(:filters_before) { filters.dup }

  before do
    filters.concat(added)
    quietly { EzlogsRubyAgent.configure }
  end

  # The agent configured again with the app's own filters, or a Proc left in
  # its filter would reach later examples (Rails' ParameterFilter dups each
  # value it gives a Proc).
  after do
    filters.replace(filters_before)
    quietly { EzlogsRubyAgent.configure }
  end

  def expect_hidden(events)
    expect(events).not_to be_empty
    expect(JSON.generate(events)).not_to include(secret)
  end

  it "honours a Proc in a record's changes, given each value on its own" do
    customer = Customer.create!(name: "Grace", recovery_code: secret)
    customer.update!(recovery_code: "#{secret}-2")

    created, updated = events_of("data.change")
    expect(created[:metadata][:changes]).to include(recovery_code: [nil, "[hidden by the app]"], name: [nil, "Grace"])
    expect(updated[:metadata][:changes][:recovery_code]).to eq(["[hidden by the app]", "[hidden by the app]"])
    expect_hidden(events_of("data.change"))
  end

  it "leaves an attribute that Active Record Encryption keeps encrypted as one marker, never given to a Proc",
     skip: (Rails::VERSION::MAJOR < 7 && "encrypts came with Rails 7") do
    given = []
    filters << ->(_key, value) { given << value }
    quietly { EzlogsRubyAgent.configure }
    entry = VaultEntry.create!(label: "bank", memo: "m3mo-one")
    entry.update!(memo: "m3mo-two")

    expect(events_of("data.change").map { |event| event[:metadata][:changes][:memo] }).to eq(["[REDACTED]"] * 2)
    expect(JSON.generate(events_of("data.change"))).not_to include("m3mo")
    expect(given).to include("bank") # the Proc was given the other values
    expect(given.join).not_to include("m3mo")
  ensure
    filters.pop
  end

  # "customer.notes" names Customer#notes as Rails names an encrypted
  # attribute ("user.bio"): under the model's element.
  it "honours a dotted filter naming a model's attribute in its changes and bulk updates" do
    filters << "customer.notes"
    quietly { EzlogsRubyAgent.configure }
    customer = Customer.create!(name: "Grace", notes: "n0tes-one")
    customer.update!(notes: "n0tes-two", street_address: "1 Main St")
    Customer.where(id: customer.id).update_all(notes: "n0tes-three")

    created, updated, bulk = events_of("data.change").map { |event| event[:metadata] }
    expect(created[:changes]).to include(name: [nil, "Grace"], notes: "[REDACTED]")
    expect(updated[:changes]).to include(notes: "[REDACTED]", street_address: [nil, "1 Main St"])
    expect(bulk[:updates]).to eq(notes: "[REDACTED]")
    expect(JSON.generate(events_of("data.change"))).not_to include("n0tes-one", "n0tes-two", "n0tes-three")
  ensure
    filters.delete("customer.notes")
  end

  # The core converts a record by its as_json, which holds every
  # attribute, decrypted.
  it "filters a record handed to log_event as its changes are: encrypted, filter_attributes, dotted filters" do
    filters << "customer.notes"
    quietly { EzlogsRubyAgent.configure }
    entry = VaultEntry.create!(label: "bank", memo: "m3mo-one", hint: "h1nt-one")
    customer = Customer.create!(name: "Grace", notes: "n0tes-one")
    EzlogsRubyAgent.log_event(event_type: "vault.shown", action: "shown", actor: { type: "user", id: 1 },
                              metadata: { entry:, customers: [customer], entries: VaultEntry.where(id: entry.id) })

    metadata = captured.last[:metadata]
    expect(metadata[:entry]).to include(id: entry.id, label: "bank", hint: "[REDACTED]")
    expect(metadata[:entry][:memo]).to eq(Rails::VERSION::MAJOR >= 7 ? "[REDACTED]" : "m3mo-one")
    expect(metadata[:customers]).to match([include(id: customer.id, name: "Grace", notes: "[REDACTED]")])
    expect(metadata[:entries]).to eq([metadata[:entry]]) # a relation's records, each filtered
    expect(JSON.generate(metadata)).not_to include("h1nt", "n0tes")
  ensure
    filters.delete("customer.notes")
  end

  # Records that reach Rails' as_json inside another value: an
  # association its `include:` adds, a record under its root, a Struct or
  # a plain object holding one.
  it "filters a record in log_event metadata by its model's filters however it is held" do
    # Not idempotent: a Proc given a value twice would show it.
    filters.push("customer.notes", "card.number", ->(key, value) { value << "~P" if key == "label" })
    quietly { EzlogsRubyAgent.configure }
    member = Member.create!(name: "Ada", cards_attributes: [{ number: "55501234", label: "visa" }])
    member.define_singleton_method(:as_json) { |*| super(include: :cards) }
    customer = Customer.create!(name: "Grace", notes: "n0tes-one")
    order = Order.create!(user: User.create!(name: "Ada", email: "ada@example.com"))
    invoice = Billing::PDFInvoice.create!(order:, number: "INV-1")
    Billing::LineItem.create!(invoice:, billable: customer, description: "Setup")
    invoice.define_singleton_method(:as_json) { |*| super(include: { line_items: { include: :billable } }) }
    rooted = VaultEntry.create!(label: "bank", hint: "h1nt-one", memo: "m3mo-one")
    rooted.define_singleton_method(:as_json) { |*| super(root: true) }
    holder = Object.new.tap { |object| object.instance_variable_set(:@customer, customer) }
    EzlogsRubyAgent.log_event(event_type: "member.shown", action: "shown", actor: { type: "user", id: 1 },
                              metadata: { member:, rooted:, held: Struct.new(:customer).new(customer), holder:,
                                          invoice: })

    metadata = captured.last[:metadata]
    expect(metadata[:member]).to include(name: "Ada", cards: [include(number: "[REDACTED]", label: "visa~P")])
    expect(metadata[:invoice][:line_items]).to match([include(billable: include(name: "Grace", notes: "[REDACTED]"))])
    expect(metadata[:rooted]).to match(vault_entry: include(label: "bank~P", hint: "[REDACTED]"))
    expect(metadata[:rooted][:vault_entry][:memo]).to eq(Rails::VERSION::MAJOR >= 7 ? "[REDACTED]" : "m3mo-one")
    expect(metadata.values_at(:held, :holder)).to all(match(customer: include(name: "Grace", notes: "[REDACTED]")))
    expect(JSON.generate(metadata)).not_to include("n0tes", "55501234", "h1nt")
  ensure
    filters.pop(3)
  end

  # "member.notes" names a Moderator's notes too: it is a Member.
  it "applies a dotted filter under the model a record inherits from (single-table inheritance)" do
    filters << "member.notes"
    quietly { EzlogsRubyAgent.configure }
    moderator = Moderator.create!(name: "Ada", notes: "n0tes-one")
    EzlogsRubyAgent.log_event(event_type: "member.shown", action: "shown", actor: { type: "user", id: 1 },
                              metadata: { moderator: })

    expect(events_of("data.change").first[:metadata][:changes]).to include(notes: "[REDACTED]", name: [nil, "Ada"])
    expect(captured.last[:metadata][:moderator]).to include(id: moderator.id, name: "Ada", notes: "[REDACTED]")
    expect(JSON.generate(captured)).not_to include("n0tes")
  ensure
    filters.pop
  end

  # A failed validation's messages quote the value, and a record's errors
  # hold those of the records it saves with it.
  it "masks in a failed validation's messages the values of the records saved with it and the values replaced, " \
     "in log_event metadata too" do
    filters.push("card.number", "member.notes")
    quietly { EzlogsRubyAgent.configure }
    member = Member.create!(name: "Ada", notes: "n0tes-old")
    member.update(cards_attributes: [{ number: "x5s3cret", label: "visa" }])
    member.reload.update(name: "quote the old notes", notes: "n0tes-new")
    EzlogsRubyAgent.log_event(event_type: "member.refused", action: "refused", actor: { type: "user", id: 1 },
                              metadata: { errors: member.errors, error: ActiveRecord::RecordInvalid.new(member) })

    failures = events_of("data.change").select { |event| event[:action].end_with?("validation_failed") }
    expect(failures.map { |event| event[:metadata][:errors] }).to eq(
      [{ "cards.number": ["[REDACTED] is not a card number"] }, { base: ["notes were [REDACTED]"] }]
    )
    EzlogsRubyAgent.log_event(event_type: "member.refused", action: "refused", actor: { type: "user", id: 1 },
                              metadata: { first: member.errors.first })
    expect(captured.last(2).map { |event| event[:metadata] }).to eq(
      [{ errors: { base: ["notes were [REDACTED]"] }, error: "Validation failed: notes were [REDACTED]" },
       { first: { attribute: "base", message: "notes were [REDACTED]" } }]
    )
    expect(JSON.generate(captured)).not_to include("x5s3cret", "n0tes")
  ensure
    filters.pop(2)
  end

  it "honours them in the query string of a request no controller saw, as Rails would filter it" do
    get "/users/1?recovery_code=#{secret}&pin=1234&pin_hint=birthday", {}, { "HTTP_HOST" => "attacker.test" }

    expect(last_response.status).to eq(403) # answered by HostAuthorization, before any controller
    params = events_of("http.request").first[:metadata][:params]
    expect(params).to eq(recovery_code: "[hidden by the app]", pin: "[FILTERED]", pin_hint: "birthday")
  end

  it "honours them in job arguments, ActiveJob and Sidekiq, enqueued and run" do
    SyncJob.perform_later(7, recovery_code: secret, card: { pin: "1234", pin_hint: "birthday" })
    ImportWorker.perform_async({ "recovery_code" => secret, "pin" => "1234" })
    eventually { events_of("job.execution").size == 2 }

    jobs = events_of("job.enqueue") + events_of("job.execution")
    expect(jobs.size).to eq(4)
    sync, import = jobs.partition { |e| e[:metadata][:job_class] == "SyncJob" }
    expect(sync.map { |e| e[:metadata][:arguments] }.uniq).to eq(
      [[7, { recovery_code: "[hidden by the app]", card: { pin: "[REDACTED]", pin_hint: "birthday" } }]]
    )
    expect(import.map { |e| e[:metadata][:arguments] }.uniq).to eq(
      [[{ recovery_code: "[hidden by the app]", pin: "[REDACTED]" }]]
    )
    expect_hidden(jobs)
  end

  # As a keyword argument of that name is: a dotted filter and a Proc reach
  # into a Hash, an Array or an object given by position.
  it "filters an argument given by position under its parameter's name, each value once" do
    given = []
    filters.push("card.number", ->(key, value) { given << value.dup if key == "brand" })
    quietly { EzlogsRubyAgent.configure }
    stub_const("CodesJob", Class.new(ApplicationJob) { def perform(recovery_code, card) = [recovery_code, card] })
    CodesJob.perform_now([secret], Struct.new(:number, :brand).new("4111-0000", "visa"))

    arguments = events_of("job.execution").last[:metadata][:arguments]
    expect(arguments).to eq([["[hidden by the app]"], { number: "[REDACTED]", brand: "visa" }])
    expect(given).to eq(["visa"])
  end

  # The secrets of its error's message come from the same pass of the
  # filters as its arguments.
  it "hands a Proc each value once on a failed run too, and reads an object's as_json once" do
    given = []
    filters.push(->(key, value) { given << value.dup if key == "brand" })
    quietly { EzlogsRubyAgent.configure }
    reads = 0
    card = Class.new { define_method(:as_json) { |*| { "brand" => "visa", "reads" => reads += 1 } } }.new
    stub_const("DeclinedJob", Class.new(ApplicationJob) do
      def perform(card, brand) = raise(KeyError, "#{card} #{brand}")
    end)
    expect { DeclinedJob.perform_now(card, "amex") }.to raise_error(KeyError)

    expect(events_of("job.execution").last[:metadata][:arguments]).to eq([{ brand: "visa", reads: 1 }, "amex"])
    expect(given).to eq(%w[visa amex])
    expect(reads).to eq(1)
  end

  # Ruby 3 binds a Hash given by position to a parameter, beside keyword
  # parameters too; only keyword arguments come flagged (ruby2_keywords).
  it "takes a Hash given by position for the argument it is, where the job also takes keywords" do
    filters.push("card.number")
    quietly { EzlogsRubyAgent.configure }
    stub_const("PayJob", Class.new(ApplicationJob) { def perform(card, note: nil) = [card, note] })
    PayJob.perform_now({ "number" => "4111-0000", "brand" => "visa" })
    PayJob.perform_now({ "number" => "4111-0001" }, note: { "number" => "n-1" })

    arguments = events_of("job.execution").map { |event| event[:metadata][:arguments] }
    expect(arguments).to eq([[{ number: "[REDACTED]", brand: "visa" }],
                             [{ number: "[REDACTED]" }, { note: { number: "n-1" } }]])
  end

  # As instrumentation gems and concerns wrap perform.
  it "names the arguments by the perform a wrapper that hands them all on to super wraps" do
    filters.push("card.number")
    quietly { EzlogsRubyAgent.configure }
    wrapper = Module.new do
      def perform(*args, **kwargs, &) = ActiveSupport::Notifications.instrument("perform.wrapper") { super }
    end
    stub_const("WrappedJob", Class.new(ApplicationJob) { def perform(card, note = nil) = [card, note] })
    WrappedJob.prepend(wrapper)
    stub_const("RetriedJob", Class.new(WrappedJob) { def perform(...) = super.tap { Rails.logger.debug("retried") } })
    WrappedJob.perform_now({ "number" => "4111-0002" }, "gift")
    RetriedJob.perform_now({ "number" => "4111-0003" })

    expect(events_of("job.execution").map { |event| event[:metadata][:arguments] })
      .to eq([[{ number: "[REDACTED]" }, "gift"], [{ number: "[REDACTED]" }]])
  end

  # The core masks in an error's message the values it redacts by their
  # keys; those redacted here it never sees.
  it "masks the values they hide in a failed job's arguments where its error quotes them" do
    filters.push("card.number", "card.expiry", ->(key, value) { value << "~P" if key == "label" })
    quietly { EzlogsRubyAgent.configure }
    arguments = { "recovery_code" => secret, "label" => "visa",
                  "card" => { "number" => "55501234", "pin" => "98765", "expiry" => Date.new(2031, 7, 9) } }
    # Redacted by the core for their keys: it cannot know how Ruby writes them.
    times = { "token" => Time.utc(2034, 3, 4, 5, 6, 7), "password" => Date.new(2035, 1, 2),
              "otp" => BigDecimal("98765.4321") }
    begin
      StubbornJob.perform_now(arguments.merge(times))
    rescue IOError
      nil # retry_on scheduled a retry, and perform_now raised what failed
    end
    WindowedWorker.perform_async(arguments.merge("card" => arguments["card"].merge("expiry" => "2031-07-09")))
    eventually { events_of("job.execution").size >= 2 } # StubbornJob's retry may run too

    messages = events_of("job.execution").map { |event| event[:metadata][:error][:message] }
    expect(messages).to all(start_with("still failing: {").or(start_with("failed {")))
    expect(messages.join).not_to include(secret, "55501234", "98765", "2031", "2034", "2035", "Jan")
    labels = events_of("job.enqueue").map { |event| event[:metadata][:arguments].first[:label] }
    expect(labels).not_to be_empty
    expect(labels).to all(eq("visa~P")) # the Proc given each value once
  ensure
    filters.pop(3)
  end

  # The filters are given what an object holds: its values, not the object
  # itself, are what a message may quote.
  it "masks where a failed job's error quotes them the values they hide in an object it was given" do
    filters.push("card.number", ->(key, value) { value.replace("[by Proc]") if key == "cvc" })
    quietly { EzlogsRubyAgent.configure }
    card = Struct.new(:number, :cvc, :brand)
    stub_const("ChargeJob", Class.new(ApplicationJob) do
      def perform(card, note) = raise(KeyError, "declined #{card.number}/#{card.cvc} #{card.brand} #{note[:who]}")
    end)
    expect { ChargeJob.perform_now(card.new("4111222233334444", "7319", "visa"), { who: "Grace" }) }
      .to raise_error(KeyError)

    error = events_of("job.execution").last[:metadata][:error]
    expect(error[:message]).to eq("declined [REDACTED]/[REDACTED] visa Grace")
  ensure
    filters.pop(2)
  end

  # Rails 6.1 brings a time back in UTC when a job runs: its error's
  # message may quote it so, although the job was given it in Tokyo.
  it "looks for a hidden value in a message as Ruby writes it, a time as it was given and in UTC" do
    tokyo = Time.utc(2041, 2, 3, 4, 5, 6).in_time_zone("Tokyo")
    texts = EzlogsRubyAgent::Tracking.texts_of(tokyo)

    expect(texts).to include(tokyo.to_s, tokyo.inspect, tokyo.utc.to_s, tokyo.utc.in_time_zone("UTC").inspect,
                             tokyo.iso8601)
    date = Date.new(2035, 1, 2)
    expect(EzlogsRubyAgent::Tracking.texts_of(date)).to eq(["2035-01-02", date.inspect])
    expect(EzlogsRubyAgent::Tracking.texts_of(BasicObject.new)).to eq([])
    # ActiveSupport writes a BigDecimal's to_s plainly; inspect keeps Ruby's form.
    expect(EzlogsRubyAgent::Tracking.texts_of(BigDecimal("24680.1357"))).to eq(%w[24680.1357 0.246801357e5])
    expect(EzlogsRubyAgent::Tracking.texts_of(3.days)).to eq(["259200", "3 days", "P3D"])
  end

  it "honours them in GraphQL variables, whether a controller parsed them or not" do
    body = JSON.generate(query: "mutation Recover($recovery_code: String) { recover }",
                         variables: { recovery_code: secret, pin: "1234" })
    post "/graphql", body, { "CONTENT_TYPE" => "application/json" }
    mounted = EzlogsRubyAgent::HttpTracker.new(->(_env) { [200, {}, ["{}"]] })
    mounted.call(Rack::MockRequest.env_for("/api/graphql", method: "POST", input: body))

    variables = events_of("http.request").map { |event| event[:metadata][:graphql][:variables] }
    expect(variables).to all(eq(recovery_code: "[hidden by the app]", pin: "[FILTERED]"))
    expect_hidden(events_of("http.request"))
  end

  it "honours them in log_event metadata" do
    EzlogsRubyAgent.log_event(event_type: "account.recovered", action: "recovered", actor: { type: "user", id: 1 },
                              metadata: { recovery_code: secret, pin: 1234, note: "kept" })

    expect(captured.last[:metadata]).to eq(recovery_code: "[hidden by the app]", pin: "[REDACTED]", note: "kept")
  end

  describe "a Proc that raises" do
    let(:added) { [->(key, value) { raise ArgumentError, "cannot look at #{value}" if key == "boom" }] }

    it "never raises into the app: its value is redacted, and the failure reported once, without the value" do
      stderr = quietly do
        2.times do
          EzlogsRubyAgent.log_event(event_type: "a.b", action: "c", actor: { type: "user", id: 1 },
                                    metadata: { boom: secret, other: "kept" })
        end
        # ParameterFilter cannot be handed a BasicObject (it has no is_a?).
        EzlogsRubyAgent.log_event(event_type: "a.b", action: "c", actor: { type: "user", id: 1 },
                                  metadata: { other: "kept", deep: { odd: BasicObject.new, name: "kept" } })
        SyncJob.perform_later(boom: 4242, other: "kept")
      end

      metadata = captured.map { |event| event[:metadata] }
      expect(metadata.first(2)).to all(eq(boom: "[REDACTED]", other: "kept"))
      expect(metadata[2]).to eq(other: "kept", deep: { odd: "#<BasicObject: unrepresentable>", name: "kept" })
      expect(events_of("job.enqueue").first[:metadata][:arguments]).to eq([{ boom: "[REDACTED]", other: "kept" }])
      expect(stderr.lines.grep(/filter_parameters Proc/).size).to eq(1)
      expect(stderr).not_to include("internal error")
      expect(stderr).to include("A filter_parameters Proc raised ArgumentError at #{__FILE__}")
      expect(stderr).not_to include(secret)
    end

    # As the core takes app code's failures (helpers.rs, value_failure).
    it "takes a NotImplementedError or a SystemStackError for a failure too" do
      filters.push(->(key, _) { raise NotImplementedError, "not yet" if key == "draft" },
                   ->(key, _) { (descend = ->(depth) { descend.call(depth + 1) }).call(0) if key == "deep" })
      quietly { EzlogsRubyAgent.configure }
      quietly do
        EzlogsRubyAgent.log_event(event_type: "a.b", action: "c", actor: { type: "user", id: 1 },
                                  metadata: { draft: "DR-2231", other: "kept" })
        SyncJob.perform_now({ "draft" => "DR-2232" }, deep: "DP-1")
      end

      expect(captured.first[:metadata]).to eq(draft: "[REDACTED]", other: "kept")
      expect(events_of("job.execution").last[:metadata][:arguments])
        .to eq([{ draft: "[REDACTED]" }, { deep: "[REDACTED]" }])
    end

    # A record's attributes are filtered under its model's element: the
    # Proc's failure on one must not mask the others.
    it "redacts only the attribute it raised on in a record's changes" do
      filters << ->(key, _value) { raise ArgumentError, "no" if key == "notes" }
      quietly do
        EzlogsRubyAgent.configure
        Customer.create!(name: "Grace", notes: secret, street_address: "1 Main St")
      end

      changes = events_of("data.change").first[:metadata][:changes]
      expect(changes).to include(name: [nil, "Grace"], street_address: [nil, "1 Main St"])
      expect(Array(changes[:notes])).to all(eq("[REDACTED]"))
    ensure
      filters.pop
    end
  end

  # An app's as_json may return records, and two may name each other.
  it "cuts a cycle of records handed to log_event, as the core cuts one" do
    ada = Customer.create!(name: "Ada")
    grace = Customer.create!(name: "Grace")
    ada.define_singleton_method(:as_json) { |*| { "name" => name, "friend" => grace } }
    grace.define_singleton_method(:as_json) { |*| { "name" => name, "friend" => ada } }
    EzlogsRubyAgent.log_event(event_type: "customer.paired", action: "paired", actor: { type: "user", id: 1 },
                              metadata: { customer: ada })

    expect(captured.last[:metadata][:customer]).to eq(name: "Ada", friend: { name: "Grace", friend: "[cycle]" })
  end

  # What an object gives as the core converts it (a Set's items, a
  # Struct's members, rows) is new to the filters that saw only the object.
  it "applies them to what an object holds, and keeps the other values beside one that cannot be dup'ed" do
    held = { "recovery_code" => secret, "pin" => "4321" }
    collection = Class.new do
      include Enumerable

      define_method(:each) { |&block| [held].each(&block) }
    end
    rows = ActiveRecord::Base.connection.select_all("SELECT '#{secret}' AS recovery_code, '4321' AS pin")
    only = Class.new do
      include Singleton

      def initialize = @name = "only"
    end.instance
    unnamed = Object.new.tap { |object| object.define_singleton_method(:to_s) { raise "no text" } }
    metadata = { set: Set[held], struct: Struct.new(:recovery_code, :pin).new(secret, "4321"),
                 collection: collection.new, rows:, thread: Thread.current,
                 keyed: { only => "one", 7 => "seven", unnamed => "odd" }, other: "kept" }
    stderr = quietly do
      EzlogsRubyAgent.log_event(event_type: "code.shown", action: "shown", actor: { type: "user", id: 1 }, metadata:)
    end

    masked = { recovery_code: "[hidden by the app]", pin: "[REDACTED]" }
    expect(captured.last[:metadata]).to include(set: [masked], struct: masked, collection: [masked], rows: [masked],
                                                other: "kept")
    expect(captured.last[:metadata][:keyed].values).to eq(%w[one seven odd])
    # (The thread's own state may hold the query's SQL, with its literals.)
    expect(JSON.generate(captured.last[:metadata].except(:thread))).not_to include(secret, "4321")
    expect(stderr).not_to include("internal error")
  end

  # A Proc is given the items under the key they are under, as Rails
  # gives an Array's; a dotted filter names a member by its path.
  it "applies them by the path of keys what an object holds is under" do
    filters << "card.number"
    quietly { EzlogsRubyAgent.configure }
    # An as_json that gives another object: shown as the core shows it,
    # filters or none.
    indirect = Object.new.tap { |object| object.define_singleton_method(:as_json) { |*| Object.new } }
    EzlogsRubyAgent.log_event(event_type: "code.shown", action: "shown", actor: { type: "user", id: 1 },
                              metadata: { card: Struct.new(:number).new("4111-0000"), recovery_code: Set[secret],
                                          nested: { recovery_code: [Set[secret]] }, indirect: })

    expect(captured.last[:metadata]).to include(card: { number: "[REDACTED]" }, recovery_code: ["[hidden by the app]"],
                                                nested: { recovery_code: [["[hidden by the app]"]] },
                                                indirect: "#<Object: unrepresentable>")
  end

  # With a Proc filter a record is sealed until the core converts it.
  # The filters never look into a key; the core writes such a key as its
  # JSON, where they would not reach it.
  it "applies them to a Hash used as a key, and keeps apart the keys they made alike" do
    tally = { { "recovery_code" => secret, "note" => "n" } => 2, { "recovery_code" => "RC-2", "note" => "n" } => 3 }
    EzlogsRubyAgent.log_event(event_type: "codes.counted", action: "counted", actor: { type: "user", id: 1 },
                              metadata: { tally: })

    tally = events_of("codes.counted").last[:metadata][:tally]
    written = '{"recovery_code":"[hidden by the app]","note":"n"}'
    expect(tally).to eq(written.to_sym => 2, "#{written} (2)".to_sym => 3)
  end

  it "names a record whose as_json raises by its class, as the core names any such value" do
    ada = Customer.create!(name: "Ada")
    ada.define_singleton_method(:as_json) { |*| raise ArgumentError, "no JSON" }
    EzlogsRubyAgent.log_event(event_type: "customer.paired", action: "paired", actor: { type: "user", id: 1 },
                              metadata: { customer: ada })

    expect(captured.last[:metadata][:customer]).to eq("#<Customer: unrepresentable>")
  end
end
