# frozen_string_literal: true

# A record in a job's arguments, wherever it sits, is reported as its
# GlobalID, never with its columns.
RSpec.describe "Records in job arguments" do
  let(:customer) do
    Customer.create!(name: "Grace", email: "grace@example.com", street_address: "12 Harbour Lane",
                     notes: "prefers calls after six", recovery_code: "RC-4411")
  end
  let(:gid) { "gid://dummy/Customer/#{customer.id}" }
  # What no event may hold: the customer's columns.
  let(:columns) { ["12 Harbour Lane", "prefers calls after six", "RC-4411", "Grace"] }

  def job_events(job_class)
    (events_of("job.enqueue") + events_of("job.execution")).select { |e| e[:metadata][:job_class] == job_class }
  end

  def expect_no_columns(events)
    json = JSON.generate(events)
    columns.each { |column| expect(json).not_to include(column) }
  end

  it "reports a record passed as a keyword argument, or inside a Hash or Array, as its GlobalID" do
    customer
    EzlogsRubyAgent.clear_captured_events
    SyncJob.perform_later(customer:)
    SyncJob.perform_later({ "who" => customer, "batch" => [customer, { deep: customer }] }, 7)
    eventually { job_events("SyncJob").size == 4 }

    enqueues, executions = job_events("SyncJob").partition { |e| e[:event_type] == "job.enqueue" }
    [enqueues, executions].each do |events|
      expect(events.map { |e| e[:metadata][:arguments] }).to contain_exactly(
        [{ customer: gid }], [{ who: gid, batch: [gid, { deep: gid }] }, 7]
      )
    end
    expect_no_columns(job_events("SyncJob"))
  end

  # How many GlobalIDs were made (in any thread) while the block ran.
  def global_ids_made
    made = 0
    counting = TracePoint.new(:call) { |tp| made += 1 if tp.method_id == :to_global_id }
    counting.enable
    yield
    made
  ensure
    counting.disable
  end

  it "takes the GlobalIDs ActiveJob wrote into the job's data rather than making them again" do
    customer
    EzlogsRubyAgent.clear_captured_events
    made = global_ids_made do
      SyncJob.perform_later({ "who" => customer, "batch" => [customer, { deep: customer }] }, 7)
      eventually { job_events("SyncJob").size == 2 }
    end

    # ActiveJob's serialisation makes one for each of the three places the
    # record sits; deserialising finds the record by it and makes none.
    expect(made).to eq(3)
    expect(job_events("SyncJob").map { |e| e[:metadata][:arguments] })
      .to all(eq([{ who: gid, batch: [gid, { deep: gid }] }, 7]))
  end

  it "makes a record's GlobalID itself where the job's data has another record's or another app's" do
    written = [{ "_aj_globalid" => "gid://dummy/Customer/0" },
               { "_aj_globalid" => "gid://renamed/Customer/#{customer.id}" },
               { "_aj_serialized" => "AppSerializer", "value" => { "_aj_globalid" => gid } }]
    expect(EzlogsRubyAgent::JobArguments.described([customer, customer, customer], written).first)
      .to eq([gid, gid, gid])
  end

  it "asks a record whose model has its own to_global_id, which may change with the record" do
    def customer.to_global_id(options = {}) = super(options.merge(state: "closed"))

    described = EzlogsRubyAgent::JobArguments.described([customer], [{ "_aj_globalid" => gid }]).first
    expect(described).to eq(["#{gid}?state=closed"])
  end

  it "reports the records in a parameterized mail's params as GlobalIDs" do
    customer
    EzlogsRubyAgent.clear_captured_events
    CustomerMailer.with(customer:).welcome.deliver_later
    eventually { events_of("mail.delivery").any? }

    events = job_events("ActionMailer::MailDeliveryJob")
    expect(events.map { |e| e[:event_type] }).to contain_exactly("job.enqueue", "job.execution")
    events.each do |event|
      expect(event[:metadata][:arguments]).to eq(["CustomerMailer", "welcome", "deliver_now",
                                                  { params: { customer: gid }, args: [] }])
    end
    expect_no_columns(events)
  end

  it "reports a record given to a Sidekiq worker as its GlobalID, and one never saved by its class" do
    customer
    EzlogsRubyAgent.clear_captured_events
    unsaved = Customer.new(name: "Grace", street_address: "12 Harbour Lane", notes: "prefers calls after six")
    # Sidekiq itself turns a record into JSON, all its columns; the run
    # reports the records where the enqueue saw them.
    quietly { SidekiqServer.loose_args { ImportWorker.perform_async(customer, [unsaved], { "note" => "plain" }) } }
    eventually { job_events("ImportWorker").size == 2 }

    events = job_events("ImportWorker")
    expect(events.map { |e| e[:event_type] }).to contain_exactly("job.enqueue", "job.execution")
    events.each do |event|
      expect(event[:metadata][:arguments]).to eq([gid, ["Customer (unsaved)"], { note: "plain" }])
    end
    expect_no_columns(events)
  ensure
    Sidekiq::Queue.new("default").clear
  end
end
