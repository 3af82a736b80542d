# frozen_string_literal: true

# What an app upgrading from 0.1.19 sees differently, on purpose: each
# difference UPGRADING.md lists under "Events" and "Installing", asserted
# against the events a real request makes.
RSpec.describe "Upgrading from 0.1.19: the deliberate differences" do
  before { seed_journey }

  let(:request_event) { events_of("http.request").first }
  let(:user_change) { events_of("data.change").find { |event| event[:subject][:type] == "user" } }

  def patch_user
    patch "/users/123?tab=profile", user: { name: "Ada L." }
    expect(last_response.status).to eq(200)
  end

  it "names a record change in the past tense, with its changes as [old, new], once per record" do
    patch_user

    expect(user_change[:action]).to eq("user.updated") # 0.1.19: "user.update"
    expect(user_change[:metadata]).to include(model: "User", table: "users")
    expect(user_change[:metadata][:changes]).to include(name: ["Ada", "Ada L."]) # 0.1.19: {from:, to:, ...}
    expect(events_of("data.change").count { |event| event[:subject] == user_change[:subject] }).to eq(1)
  end

  it "keeps http.request metadata flat, and its action without the query string" do
    patch_user

    expect(request_event[:action]).to eq("PATCH /users/123") # 0.1.19 kept "?tab=profile"
    expect(request_event[:metadata]).to include(method: "PATCH", path: "/users/123", status: 200,
                                                route: "users#update")
    expect(request_event[:metadata]).not_to include(:request, :response, :performance, :database, :cache)
  end

  it "writes String ids, no e-mail in tracker actors, an Integer thread id, and no invented blocks" do
    patch_user

    expect(user_change[:subject]).to eq(type: "user", id: "123")
    expect(request_event[:actor].keys).to contain_exactly(:type, :id)
    expect(request_event[:platform][:thread_id]).to be_an(Integer) # 0.1.19: a String
    expect(request_event).to include(timestamp: match(/\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\z/))
    expect(request_event.keys).not_to include(:environment, :impact, :processing, :correlation_context, :payload)
    expect(request_event[:platform]).not_to have_key(:source)
  end

  it "gives each unit of work its own correlation_id; the flow and the primary id span the request" do
    patch_user

    request_ids = request_event[:correlation].values_at(:correlation_id, :flow_id, :primary_correlation_id)
    change_ids = user_change[:correlation].values_at(:correlation_id, :flow_id, :primary_correlation_id)
    expect(change_ids[0]).not_to eq(request_ids[0])
    expect(change_ids[1..]).to eq(request_ids[1..])
    expect(user_change[:correlation][:parent_event_id]).to eq(request_event[:event_id])
    expect(request_event[:correlation]).not_to include(:depth, :chain, :parent_flow_id)
  end

  it "records nothing for a health check (0.1.19 recorded GET /health)" do
    get "/health"

    expect(last_response.status).to eq(200)
    expect(captured).to be_empty
  end

  it "sends to the ezlogs agent's port unless told otherwise (0.1.19: localhost:8080), and needs Ruby 3.1" do
    with_env("EZLOGS_ENDPOINT" => nil) do
      expect(EzlogsRubyAgent::Configuration.new.delivery.endpoint).to eq("http://127.0.0.1:9000/events")
    end
    gemspec = Gem::Specification.load(File.expand_path("../../../ezlogs_ruby_agent.gemspec", __dir__))
    expect(gemspec.required_ruby_version).to eq(Gem::Requirement.new(">= 3.1"))
  end
end
