# frozen_string_literal: true

# What 0.1.19 redacted stays redacted, and the one deliberate difference
# (bare 9- and 10-digit numbers) has its switch (UPGRADING.md).
RSpec.describe "Upgrading from 0.1.19: redaction" do
  def sent_metadata(metadata)
    log(metadata:)
    captured.last[:metadata]
  end

  it "matches key names whatever their case, built-in or configured" do
    EzlogsRubyAgent.configure { |c| c.security.sensitive_fields = %w[PinCode] }

    expect(sent_metadata(PassWord: "a", PASSWORD: "b", passWord: "c", pincode: "d", Pin_Code: "e", pin: "f"))
      .to eq(PassWord: "[REDACTED]", PASSWORD: "[REDACTED]", passWord: "[REDACTED]", pincode: "[REDACTED]",
             Pin_Code: "[REDACTED]", pin: "f")
  end

  it "matches whole words, not substrings: 0.1.19's pwd, cc_number and primary_key pass, apikey and cvv do not" do
    expect(sent_metadata(pwd: "a", cc_number: "b", primary_key: "c", passwordhash: "d", apikey: "e", cvv: "f"))
      .to eq(pwd: "a", cc_number: "b", primary_key: "c", passwordhash: "d", apikey: "[REDACTED]", cvv: "[REDACTED]")
  end

  it "redacts a raw session id in app data, and leaves the correlation's own session_id alone" do
    EzlogsRubyAgent::CorrelationManager.start_request_context("req-1", "digest-of-the-session")
    metadata = sent_metadata(session_id: "8f2a9c", params: { "sessionId" => "8f2a9c" }, session: "kept")

    expect(metadata).to eq(session_id: "[REDACTED]", params: { sessionId: "[REDACTED]" }, session: "kept")
    expect(captured.last[:correlation]).to include(session_id: "digest-of-the-session")
  end

  it "keeps bare 9- and 10-digit numbers (order numbers, epoch seconds), and redacts them with 0.1.19's patterns" do
    numbers = { order: "123456789", phone: "5551234567", ssn: "123-45-6789", call: "555-123-4567" }
    expect(sent_metadata(numbers)).to eq(order: "123456789", phone: "5551234567", ssn: "[REDACTED]",
                                         call: "[REDACTED]")

    EzlogsRubyAgent.configure do |c|
      c.security.custom_pii_patterns = { "ssn_digits" => /\b\d{9}\b/, "phone_digits" => /\b\d{10}\b/ }
    end
    expect(sent_metadata(numbers).values).to all(eq("[REDACTED]"))
  end
end
