# frozen_string_literal: true

# What happens to an event before it is sent (and so before it is captured
# in test mode): redaction, sampling by flow, the size limit.
RSpec.describe "Processing events before they leave" do
  let(:agent) { EzlogsRubyAgent }

  def sent(metadata, actor: { type: "user", id: 1 })
    agent.log_event(event_type: "user.updated", action: "profile.saved", actor:, metadata:)
    captured.last
  end

  describe "redaction" do
    it "redacts values under sensitive keys, matching whole key segments" do
      event = sent({ password: "hunter2", password_confirmation: "hunter2", "X-Api-Key" => "k",
                     stripeApiKey: "sk", key: "v", primary_key: "id", key_pattern: "*.rb", monkey: "banana",
                     nested: { access_token: "t", list: [{ client_secret: "s" }] } })
      expect(event[:metadata]).to eq(
        password: "[REDACTED]", password_confirmation: "[REDACTED]", "X-Api-Key": "[REDACTED]",
        stripeApiKey: "[REDACTED]", key: "[REDACTED]", primary_key: "id", key_pattern: "*.rb", monkey: "banana",
        nested: { access_token: "[REDACTED]", list: [{ client_secret: "[REDACTED]" }] }
      )
    end

    it "redacts card numbers, e-mail addresses, SSNs and phone numbers in values" do
      event = sent({ a: "4111 1111 1111 1111", b: "mail bob@example.com", c: "123-45-6789", d: "(555) 123-4567",
                     e: "order 4111 1111 1111 1112", f: "1768473000123",
                     g: 4_111_111_111_111_111, h: 1_768_473_000_123 })
      expect(event[:metadata]).to eq(a: "[REDACTED]", b: "[REDACTED]", c: "[REDACTED]", d: "[REDACTED]",
                                     e: "order 4111 1111 1111 1112", f: "1768473000123", g: "[REDACTED]",
                                     h: 1_768_473_000_123)
    end

    # An address missing its last label is personal data as a whole value
    # only (Rails' route id of /users/ada@example.com is "ada@example").
    it "redacts an action that holds personal data, international phone numbers, and a cut address" do
      agent.log_event(event_type: "user.signup", action: "signup ada@example.com", actor: { type: "user", id: 1 },
                      metadata: { note: "welcome" })
      agent.log_event(event_type: "user.called", action: "called", actor: { type: "user", id: 1 },
                      metadata: { phone: "+44 20 7946 0958", id: "ada@example", route: "/users/ada@example" })

      expect(captured.last(2).map { |event| [event[:action], event[:metadata]] }).to eq(
        [["[REDACTED]", { note: "welcome" }],
         ["called", { phone: "[REDACTED]", id: "[REDACTED]", route: "/users/ada@example" }]]
      )
    end

    it "leaves values alone when auto_detect_pii is off, and applies custom patterns" do
      agent.configure do |c|
        c.security.auto_detect_pii = false
        c.security.custom_pii_patterns = { employee: /emp-\d{6}/i }
      end
      expect(sent({ email: "bob@example.com", badge: "EMP-123456" })[:metadata])
        .to eq(email: "bob@example.com", badge: "[REDACTED]")
    end

    it "takes extra sensitive fields from the configuration" do
      agent.configure { |c| c.security.sensitive_fields += ["pin"] }
      expect(sent({ card_pin: "1234", pinned: true })[:metadata]).to eq(card_pin: "[REDACTED]", pinned: true)
    end

    it "adds the fields an app names to the built-in ones, which stay" do
      agent.configure { |c| c.security.sensitive_fields = ["pin"] }
      expect(sent({ pin: "1234", password: "hunter2", api_key: "k-1", key: "k-2", monkey: "m" })[:metadata])
        .to eq(pin: "[REDACTED]", password: "[REDACTED]", api_key: "[REDACTED]", key: "[REDACTED]", monkey: "m")
    end

    # Ruby's own String#inspect is the oracle: it escapes by the value's
    # encoding and by the process's (Rails sets it to UTF-8).
    it "masks a redacted value where the error message quotes it, however String#inspect writes it" do
      secrets = ["S3\#{x}\#$y\#@z", "S3\"CR\\ET\n\t\r\f\v\b\a\e\\", "S3\u0001CR\u007FET\u0085\u2028", "S3CRÉT-tök🔑",
                 "S3CRÉT-tök🔑".b, "S3CRÉT".encode(Encoding::ISO_8859_1), "S3\xFFCR\xE2\x82ET"]
      [Encoding::UTF_8, Encoding::US_ASCII].each do |encoding|
        messages = with_default_internal(encoding) { secrets.map { |secret| "no user #{secret.inspect}" } }
        secrets.zip(messages).each do |secret, message|
          expect(sent({ token: secret, error: { class: "NotFound", message: } })[:metadata][:error][:message])
            .to eq('no user "[REDACTED]"'), message
        end
      end
      # Bytes that are not UTF-8 are not copied ("[binary 8 bytes]"): a
      # message quoting bytes is masked whole.
      binary = "S3\xFFCR\xC3ET".b
      expect(sent({ token: binary, error: { class: "NotFound", message: "no user #{binary.inspect}" } })
        .dig(:metadata, :error, :message)).to eq("[REDACTED]")
    end

    # Past an event's byte budget (twice max_event_size), each string is
    # cut to 64 bytes: a secret, or the message quoting it.
    it "masks a redacted value the event's limits cut, and a message cut inside one" do
      agent.configure { |c| c.security.max_event_size = 4_096 }
      token = "S3CRET-#{"k" * 300}"
      error = { class: "NotFound", message: "no user #{token.inspect} (retried)" }
      token_cut = sent({ error:, payload: "p" * 10_000, token: })
      both_cut = sent({ payload: "p" * 10_000, token:, error: })

      expect(token_cut[:metadata][:error][:message]).to eq('no user "[REDACTED]')
      expect(both_cut[:metadata][:error][:message]).to start_with('no user "[REDACTED]...[truncated, ')
      expect(JSON.generate([token_cut, both_cut])).not_to include("kkkk")
    end

    it "never redacts correlation ids" do
      agent::CorrelationManager.start_request_context("alice@example.com")
      event = sent({})
      expect(event[:correlation][:request_id]).to eq("alice@example.com")
    end

    it "explains a custom pattern the Rust engine cannot run" do
      expect { agent.config.security.custom_pii_patterns = { odd: /a(?=b)/ } }
        .to raise_error(EzlogsRubyAgent::ConfigurationError, /custom_pii_patterns\[odd\].*look-around/m)
    end
  end

  describe "Rails' filter_parameters" do
    it "become key patterns matched as Rails matches them" do
      filters = EzlogsRubyAgent::Configuration::FilterParameters.new([:passw, "Secret_Code", /\Acrypt/i, -> {}])
      expect(filters.native_patterns).to eq(["(?i)passw", "(?i)Secret_Code", "(?mi)\\Acrypt"])
      expect(filters.in_ruby.size).to eq(1) # the Proc
    end
  end

  describe "sampling" do
    it "keeps or drops a flow whole, and counts what it drops" do
      agent.configure { |c| c.performance.sample_rate = 0.5 }
      before = agent.metrics[:events_dropped][:sampled_out]
      kept = Array.new(200) do |i|
        agent.start_flow("order", i)
        3.times { sent({ step: 1 }) }
        captured.count { |e| e[:correlation][:flow_id] == "flow_order_#{i}" }
      end
      expect(kept.uniq.sort).to eq([0, 3])
      expect(kept.count(3)).to be_between(60, 140)
      expect(agent.metrics[:events_dropped][:sampled_out] - before).to eq(kept.count(0) * 3)
    end
  end

  describe "the size limit" do
    it "shrinks an oversized event by cutting its largest values" do
      agent.configure { |c| c.security.max_event_size = 4_096 }
      event = sent({ body: "x" * 3_000, page: "y" * 3_000, tag: "small" })
      expect(JSON.generate(event).bytesize).to be <= 4_096
      expect(event[:metadata][:tag]).to eq("small")
      expect(event[:metadata][:body] + event[:metadata][:page]).to include("[truncated, 3000 bytes in all]")
    end

    it "cuts many long strings to one length, keeping the short values beside them" do
      lines = Array.new(60) { |i| { sku: "SKU#{i}", description: "d" * 30_000 } }
      event = sent({ order_id: 42, lines:, total: "19.99" })

      expect(JSON.generate(event).bytesize).to be <= 1_048_576
      expect(event[:metadata]).to include(order_id: 42, total: "19.99")
      expect(event[:metadata][:lines].map { |line| line[:sku] }).to eq(Array.new(60) { |i| "SKU#{i}" })
      expect(event[:metadata][:lines].map { |line| line[:description].bytesize }.uniq.size).to eq(1)
    end

    # In a child with a deadline: this once spun forever in the worker,
    # and every later event waited behind it.
    it "drops, and counts, an event whose strings cannot be cut enough, and goes on delivering" do
      script = agent_script(<<~CONFIGURE, <<~BODY)
        c.delivery.endpoint = "memory://"
        c.security.max_event_size = 1024
      CONFIGURE
        EzlogsRubyAgent.log_event(event_type: "demo.big", action: "x", actor: { type: "system", id: "s" },
                                  metadata: (1..20).to_h { |i| ["field\#{i}", "v" * 200] })
        3.times { |i| emit(i) }
        EzlogsRubyAgent.flush(timeout: 10)
        puts JSON.generate(EzlogsRubyAgent.metrics.slice(:events_delivered, :events_dropped))
      BODY
      result = run_ruby(script, timeout: 30)

      expect(result).to be_success, result.stderr
      metrics = JSON.parse(result.stdout, symbolize_names: true)
      expect(metrics[:events_delivered]).to eq(3)
      expect(metrics[:events_dropped][:too_large]).to eq(1)
    end

    it "drops, and counts, an event that cannot be shrunk" do
      agent.configure { |c| c.security.max_event_size = 2_048 }
      before = agent.metrics[:events_dropped][:too_large]
      expect(sent(Array.new(500) { |i| ["k#{i}", i] }.to_h)).to be_nil
      expect(agent.metrics[:events_dropped][:too_large]).to eq(before + 1)
    end
  end
end
