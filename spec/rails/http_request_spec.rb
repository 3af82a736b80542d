# frozen_string_literal: true

RSpec.describe "http.request events from the dummy app", type: :request do
  let(:account_id) { insert_row("accounts", id: 7, name: "Acme") }
  let!(:user_id) { insert_row("users", id: 123, account_id:, name: "Ada", email: "ada@example.com") }

  def request_event
    events = events_of("http.request")
    expect(events.size).to eq(1), "expected one http.request, got #{events.map { |e| e[:action] }}"
    events.first
  end

  it "describes a routed request: action, route, subject, status, timing and the controller's runtimes" do
    get "/users/123?include=orders", {},
        { "HTTP_USER_AGENT" => "spec-agent/1.0", "HTTP_X_USER_ID" => "123", "HTTP_ACCEPT" => "application/json" }

    expect(last_response.status).to eq(200)
    event = request_event
    expect(event[:action]).to eq("GET /users/123")
    expect(event[:subject]).to eq(type: "user", id: "123")
    expect(event[:actor]).to eq(type: "user", id: "123")
    expect(event[:metadata]).to include(method: "GET", path: "/users/123", status: 200, route: "users#show",
                                        format: "json", user_agent: "spec-agent/1.0", ip: "127.0.0.1",
                                        params: { include: "orders", id: "123" })
    expect(event[:metadata][:content_type]).to start_with("application/json")
    expect(event[:metadata][:content_length]).to eq(last_response.body.bytesize)
    expect(event[:metadata][:db_runtime_ms]).to be_a(Float).and(be >= 0)
    expect(event[:metadata][:view_runtime_ms]).to be_a(Float).and(be >= 0)
    expect(event[:timing][:duration_ms]).to be > 0
    expect(event[:metadata][:request_id]).to eq(last_response.headers["X-Request-Id"])
    expect(event[:correlation][:request_id]).to eq(event[:metadata][:request_id])
  end
end
