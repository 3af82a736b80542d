# frozen_string_literal: true

require "json"

RSpec.describe EzlogsRubyAgent::UniversalEvent do
  let(:valid) { { event_type: "user.action", action: "signed_in", actor: { type: "user", id: "42" } } }

  def error_for(**attributes)
    described_class.new(**valid, **attributes)
    nil
  rescue EzlogsRubyAgent::InvalidEventError => e
    e.message
  end

  describe "envelope" do
    subject(:event) { described_class.new(**valid, subject: { type: "account", id: 7 }, metadata: { plan: "pro" }) }

    it "has an evt_ id of 19 url-safe characters, unique per event" do
      expect(event.event_id).to match(/\Aevt_[A-Za-z0-9_-]{19}\z/)
      expect(described_class.new(**valid).event_id).not_to eq(event.event_id)
    end

    it "stamps RFC 3339 UTC with milliseconds, taken from the clock" do
      before = Time.now.utc
      stamp = Time.iso8601(event.timestamp)
      expect(event.timestamp).to match(/\A\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\z/)
      expect(stamp).to be_within(1).of(before)
    end

    it "describes the platform it ran on" do
      EzlogsRubyAgent.configure { |c| c.service_name = "billing" }
      platform = described_class.new(**valid).platform
      expect(platform).to include(service: "billing", environment: EzlogsRubyAgent.config.environment,
                                  agent_version: EzlogsRubyAgent::VERSION, ruby_version: RUBY_VERSION,
                                  hostname: Socket.gethostname, process_id: Process.pid,
                                  thread_id: Thread.current.object_id)
    end

    it "has readers for every part" do
      expect(event).to have_attributes(event_type: "user.action", action: "signed_in",
                                       actor: { type: "user", id: "42" }, subject: { type: "account", id: 7 },
                                       metadata: { plan: "pro" }, timing: nil, valid?: true)
      expect(event.correlation_id).to eq(event.correlation[:correlation_id])
    end

    it "gives a symbol-keyed hash that omits absent optional keys" do
      hash = described_class.new(**valid).to_h
      expect(hash.keys).to eq(%i[event_id event_type action actor correlation timestamp platform])
      expect(hash[:actor]).to eq(type: "user", id: "42")
    end

    it "serialises to the same JSON with string keys" do
      expect(JSON.parse(event.to_json)).to eq(JSON.parse(JSON.generate(event.to_h)))
    end

    it "accepts a given timestamp as a Time or RFC 3339 string" do
      at = Time.utc(2026, 1, 15, 10, 30, 0, 123_456)
      expect(described_class.new(**valid, timestamp: at).timestamp).to eq("2026-01-15T10:30:00.123Z")
      expect(described_class.new(**valid, timestamp: "2026-01-15T10:30:00.123Z").timestamp)
        .to eq("2026-01-15T10:30:00.123Z")
      expect(error_for(timestamp: "yesterday")).to include("timestamp must be a Time or an RFC 3339 string")
    end
  end

  describe "validation" do
    it "raises InvalidEventError with each documented message" do
      pattern = "event_type must match pattern 'namespace.category' (e.g., 'user.action')"
      {
        { event_type: "useraction" } => pattern,
        { event_type: "User.action" } => pattern,
        { event_type: :"user.action" } => pattern,
        { action: "" } => "action must be a non-empty string",
        { action: nil } => "action must be a non-empty string",
        { actor: "bob" } => "actor must be a hash",
        { actor: { id: 1 } } => "actor must have type",
        { actor: { type: "user" } } => "actor must have id",
        { subject: "order" } => "subject must be a hash when provided",
        { subject: { id: 1 } } => "subject must have type",
        { metadata: [1, 2] } => "metadata must be a hash when provided"
      }.each do |attributes, message|
        expect(error_for(**attributes)).to eq("Event validation failed: #{message}"), attributes.inspect
      end
    end

    it "joins several problems with a comma" do
      expect(error_for(event_type: "x", action: "", actor: nil)).to eq(
        "Event validation failed: event_type must match pattern 'namespace.category' (e.g., 'user.action'), " \
        "action must be a non-empty string, actor must be a hash"
      )
    end

    it "accepts string keys for actor and subject" do
      event = described_class.new(**valid, actor: { "type" => "user", "id" => 1 }, subject: { "type" => "order" })
      expect(event.actor).to eq(type: "user", id: 1)
    end
  end
end
