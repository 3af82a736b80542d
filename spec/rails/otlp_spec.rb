# frozen_string_literal: true

require_relative "../support/otlp_receiver"

# The suite's Rails app delivering its real events (request, record change,
# job enqueue and run on Sidekiq, mail) as OTLP logs, to a receiver that
# decodes them with the official opentelemetry-proto classes.
RSpec.describe "A Rails app's events as OTLP logs" do
  let(:receiver) { OtlpReceiver.new }
  let(:trace_id) { "0af7651916cd43dd8448eb211c80319c" }

  before { seed_journey }

  after do
    EzlogsRubyAgent::Native.set_test_mode(true)
    receiver.stop
  end

  def attribute(record, key)
    found = record["attributes"].find { |kv| kv["key"] == key }
    found && plain(found["value"])
  end

  def plain(any)
    key, value = any.first
    case key
    when "kvlistValue" then value["values"].to_a.to_h { |kv| [kv["key"], plain(kv["value"])] }
    when "arrayValue" then value["values"].to_a.map { |item| plain(item) }
    when "intValue" then Integer(value)
    else value
    end
  end

  it "maps every event type of a journey in one trace, and a raised request is an ERROR" do
    EzlogsRubyAgent.configure { |c| c.delivery.endpoint = receiver.endpoint }
    EzlogsRubyAgent::Native.set_test_mode(false)
    patch "/users/123", { user: { name: "Ada L", email: "new@example.com", password: "hunter2" } },
          { "HTTP_X_USER_ID" => "123", "HTTP_TRACEPARENT" => "00-#{trace_id}-b7ad6b7169203331-01" }
    expect { get "/boom" }.to raise_error(FailuresController::Kaboom)
    records = eventually do
      EzlogsRubyAgent.flush(timeout: 1)
      found = receiver.log_records
      names = found.map { |r| r["eventName"] }
      found if names.count("job.execution") == 2 && names.include?("mail.delivery")
    end

    expect(records.map { |r| [r["eventName"], r.dig("body", "stringValue"), r["severityText"]] }).to contain_exactly(
      ["http.request", "PATCH /users/123", "INFO"], ["data.change", "user.updated", "INFO"],
      ["job.enqueue", "ReceiptJob.enqueued", "INFO"], ["job.execution", "ReceiptJob.completed", "INFO"],
      ["data.change", "order.updated", "INFO"], ["job.enqueue", "ActionMailer::MailDeliveryJob.enqueued", "INFO"],
      ["job.execution", "ActionMailer::MailDeliveryJob.completed", "INFO"],
      ["mail.delivery", "ReceiptMailer#receipt", "INFO"], ["http.request", "GET /boom", "ERROR"]
    )
    journey = records.reject { |r| r.dig("body", "stringValue") == "GET /boom" }
    expect(journey.map { |r| r["traceId"].unpack1("m").unpack1("H*") }.uniq).to eq([trace_id])
    expect(journey.map { |r| attribute(r, "ezlogs.flow_id") }.uniq.size).to eq(1)

    change = records.find { |r| r.dig("body", "stringValue") == "user.updated" }
    expect(attribute(change, "ezlogs.subject")).to eq("type" => "user", "id" => "123")
    expect(attribute(change, "ezlogs.metadata")["changes"]).to include(
      "name" => ["Ada", "Ada L"], "email" => %w[[REDACTED] [REDACTED]], "password_digest" => "[REDACTED]"
    )
    request = records.find { |r| r.dig("body", "stringValue") == "PATCH /users/123" }
    expect(attribute(request, "ezlogs.metadata")).to include("method" => "PATCH", "status" => 200)
    expect(request["attributes"].map { |kv| kv["key"] }).to include("client.address")
    expect([attribute(request, "http.request.method"), attribute(request, "http.response.status_code"),
            attribute(request, "url.path")]).to eq(["PATCH", 200, "/users/123"])
    expect(attribute(request, "ezlogs.timing")["duration_ms"]).to be > 0
    failed = records.find { |r| r["severityText"] == "ERROR" }
    expect(attribute(failed, "ezlogs.metadata")["error"]).to include("class" => "FailuresController::Kaboom")
    expect(attribute(failed, "exception.type")).to eq("FailuresController::Kaboom")
    expect(attribute(failed, "exception.message")).to eq("the controller blew up")
    expect(attribute(failed, "exception.stacktrace")).to include("failures_controller.rb")
    expect(receiver.received.to_s).not_to include("new@example.com", "hunter2")
  end
end
