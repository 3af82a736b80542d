# frozen_string_literal: true

RSpec.describe "One user journey, request to job to mail, as one flow" do
  before { seed_journey }

  # PATCH /users/123 -> User after_commit -> ReceiptJob (ActiveJob on Sidekiq)
  # -> Order update + deliver_later -> MailDeliveryJob -> mail.
  def run_journey
    patch "/users/123", { user: { name: "Ada L", email: "new@example.com", password: "hunter2" } },
          { "HTTP_X_USER_ID" => "123" }
    expect(last_response.status).to eq(200)
    eventually { events_of("mail.delivery").any? && events_of("job.execution").size == 2 }
    captured
  end

  it "links every event into one flow whose parent links form one tree rooted at the request" do
    events = run_journey
    by_id = events.to_h { |event| [event[:event_id], event] }
    root = events.find { |event| event[:event_type] == "http.request" }

    expect(events.map { |e| e[:correlation][:flow_id] }.uniq).to eq([root[:correlation][:flow_id]])
    expect(root[:correlation]).not_to have_key(:parent_event_id)
    (events - [root]).each do |event|
      parent = event[:correlation][:parent_event_id]
      expect(by_id).to have_key(parent), "#{event[:event_type]} #{event[:action]} points at unknown #{parent}"
    end
    ancestors = lambda do |event|
      parent = by_id[event[:correlation][:parent_event_id]]
      parent ? [parent] + ancestors.call(parent) : []
    end
    (events - [root]).each { |event| expect(ancestors.call(event).last).to eq(root) }
  end

  it "emits each event type with its fields" do
    events = run_journey
    summary = events.map { |event| [event[:event_type], event[:action]] }
    expect(summary).to include(
      ["http.request", "PATCH /users/123"], ["data.change", "user.updated"],
      ["job.enqueue", "ReceiptJob.enqueued"], ["job.execution", "ReceiptJob.completed"],
      ["data.change", "order.updated"], ["job.enqueue", "ActionMailer::MailDeliveryJob.enqueued"],
      ["job.execution", "ActionMailer::MailDeliveryJob.completed"], ["mail.delivery", "ReceiptMailer#receipt"]
    )

    change = events.find { |e| e[:action] == "user.updated" }
    expect(change[:subject]).to eq(type: "user", id: "123")
    expect(change[:actor]).to eq(type: "user", id: "123")
    expect(change[:metadata]).to include(model: "User", table: "users", related: [{ type: "account", id: "7" }])
    # Plain values stay; the e-mail addresses (PII) and the password digest
    # (a sensitive field) never leave the process.
    expect(change[:metadata][:changes]).to include(name: ["Ada", "Ada L"], email: %w[[REDACTED] [REDACTED]],
                                                   password_digest: "[REDACTED]")

    execution = events.find { |e| e[:action] == "ReceiptJob.completed" }
    expect(execution[:subject][:type]).to eq("job")
    expect(execution[:metadata]).to include(queue: "default", attempt: 1, executions: 1, result: 9,
                                            arguments: [123])
    expect(execution[:metadata][:queue_wait_ms]).to be >= 0
    expect(execution[:timing][:duration_ms]).to be > 0

    mail = events.find { |e| e[:event_type] == "mail.delivery" }
    expect(mail[:metadata]).to include(mailer: "ReceiptMailer", action: "receipt", recipient_count: 2,
                                       recipient_domains: ["example.com", "example.org"])
    expect(mail[:metadata][:message_id]).to eq(ActionMailer::Base.deliveries.last.message_id)
    expect(JSON.generate(mail)).not_to include("new@example.com")
  end
end
