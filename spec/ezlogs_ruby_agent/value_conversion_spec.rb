# frozen_string_literal: true

require "bigdecimal"
require "date"
require "timeout"

# What becomes of the values an app passes in metadata: everything turns
# into JSON-safe, bounded data, and nothing raises into the caller.
RSpec.describe "Converting Ruby values into event data" do
  def converted(value)
    id = log(metadata: { value: })
    expect(id).to match(/\Aevt_/)
    captured.find { |event| event[:event_id] == id }[:metadata][:value]
  end

  it "keeps plain JSON values as they are" do
    value = { "s" => "text", "i" => 42, "f" => 1.5, "t" => true, "n" => nil, "a" => [1, "two"] }
    expect(converted(value)).to eq(s: "text", i: 42, f: 1.5, t: true, n: nil, a: [1, "two"])
  end

  it "turns symbols into strings and keys of any type into strings" do
    expect(converted(:active)).to eq("active")
    expect(converted({ 1 => "a", nil => "b", [1, 2] => "c", Object => "d" }))
      .to eq("1": "a", null: "b", "[1,2]": "c", Object: "d")
  end

  # Written as text, what such a key holds would be out of reach of every
  # rule that redacts by key or finds PII.
  it "redacts a key that converts to a Hash, or holds one, as a value is, and keeps keys apart" do
    account = Struct.new(:id, :password)
    value = converted({ account.new(1, "PW-SECRET") => 1, account.new(2, "PW-SECRET") => 2,
                        { "token" => "TK-SECRET" } => 3, [{ "token" => "TK-SECRET" }] => 4 })

    expect(value.keys.map(&:to_s)).to eq(['{"id":1,"password":"[REDACTED]"}', '{"id":2,"password":"[REDACTED]"}',
                                          '{"token":"[REDACTED]"}', '[{"token":"[REDACTED]"}]'])
    # Such a key is not a name: the values under it are kept.
    expect(value.values).to eq([1, 2, 3, 4])
    # A key that only begins as JSON does (Rack parses `?{token}=...` so) is.
    expect(converted({ "{token}" => "TK-SECRET", "[password]" => "PW-SECRET" }))
      .to eq("{token}": "[REDACTED]", "[password]": "[REDACTED]")
  end

  # Parsed, a JSON object keeps one value of a repeated key.
  it "keeps apart keys that redaction made alike, and from the app's own keys" do
    card = Struct.new(:number, :brand)
    value = converted({ card.new("4111111111111111", "visa") => 3, card.new("4242424242424242", "visa") => 5,
                        card.new("5555555555554444", "visa") => 7 })

    written = '{"number":"[REDACTED]","brand":"visa"}'
    expect(value.keys.map(&:to_s)).to eq([written, "#{written} (2)", "#{written} (3)"])
    expect(value.values).to eq([3, 5, 7])

    value = converted({ "#{written} (2)" => 1, card.new("4111111111111111", "visa") => 3,
                        card.new("4242424242424242", "visa") => 5, written => 9 })
    expect(value.map { |key, count| [key.to_s, count] })
      .to eq([["#{written} (2)", 1], ["#{written} (3)", 3], ["#{written} (4)", 5], [written, 9]])
  end

  it "names keys alike whether their symbols are literal, made at run time or long" do
    made = "made_#{rand(1_000_000)}".to_sym
    long = :a_key_longer_than_twenty_four_bytes_of_inline_storage
    expect(converted({ plain: 1, made => 2, long => :a_symbol_value_longer_than_twenty_four_bytes }))
      .to eq(plain: 1, made => 2, long => "a_symbol_value_longer_than_twenty_four_bytes")
  end

  it "still names keys right once it remembers no more symbol names (10,000)" do
    result = run_ruby(<<~RUBY)
      require "ezlogs_ruby_agent"
      keys = Array.new(10_050) { |i| eval(":key_\#{i}") } # literal symbols are static
      EzlogsRubyAgent.test_mode do
        keys.each_slice(30) { |slice| EzlogsRubyAgent.log_event(event_type: "a.b", action: "c", actor: { type: "t", id: 1 }, metadata: slice.to_h { |k| [k, 1] }) }
        names = EzlogsRubyAgent.captured_events.flat_map { |entry| entry[:event][:metadata].keys }
        print names == keys
      end
    RUBY
    expect(result.stdout).to eq("true"), result.stderr
  end

  it "converts hashes alike on both sides of the size walked without rb_protect (32 entries)" do
    [31, 32, 33, 100].each do |size|
      hash = Array.new(size) { |i| [:"key_#{i}", i.even? ? i : "v#{i}"] }.to_h
      expect(converted(hash)).to eq(hash)
    end
  end

  it "keeps integers within 64 bits as numbers and bigger ones as their digits" do
    expect(converted(-(2**63))).to eq(-(2**63))
    expect(converted((2**64) - 1)).to eq((2**64) - 1)
    expect(converted(2**100)).to eq((2**100).to_s)
  end

  it "makes NaN and Infinity JSON-safe" do
    expect(converted([Float::NAN, Float::INFINITY, -Float::INFINITY])).to eq(%w[NaN Infinity -Infinity])
  end

  it "scrubs invalid UTF-8 and marks binary data" do
    expect(converted("caf\xC3".dup.force_encoding("UTF-8"))).to eq("caf\uFFFD")
    expect(converted("\xFF\xD8\xFF".b)).to eq("[binary 3 bytes]")
    expect(converted("plain ascii".b)).to eq("plain ascii")
    expect(converted("caf\xE9".dup.force_encoding("ISO-8859-1"))).to eq("café")
  end

  it "writes instants as ISO 8601 in UTC with milliseconds, dates as dates, BigDecimal as its digits" do
    expect(converted(Time.utc(2026, 1, 15, 10, 30, 0, 123_456))).to eq("2026-01-15T10:30:00.123Z")
    expect(converted(Time.new(2026, 1, 15, 11, 30, Rational(123_456, 1_000_000), "+01:00")))
      .to eq("2026-01-15T10:30:00.123Z")
    expect(converted(Date.new(2026, 1, 15))).to eq("2026-01-15")
    expect(converted(DateTime.new(2026, 1, 15, 11, 30, Rational(1_123, 1_000), "+01:00")))
      .to eq("2026-01-15T10:30:01.123Z")
    expect(converted(BigDecimal("12345678901234567890.123456789"))).to eq("12345678901234567890.123456789")
  end

  it "uses as_json when an object has it, a Struct's members without one, else to_s" do
    with_as_json = Class.new { def as_json(*) = { "kind" => "custom" } }
    with_to_s = Class.new { def to_s = "described" }
    expect(converted(with_as_json.new)).to eq(kind: "custom")
    expect(converted(with_to_s.new)).to eq("described")
    # Without ActiveSupport's as_json, a Struct by its members, not its to_s.
    expect(converted(Struct.new(:name, :password).new("Ada", "PW-SECRET"))).to eq(name: "Ada", password: "[REDACTED]")
  end

  it "puts a placeholder in for objects that cannot be described" do
    stub_const("Exploding", Class.new { def to_s = raise("no") })
    stub_const("Opaque", Class.new(BasicObject))
    stub_const("SelfJson", Class.new { def as_json(*) = self })
    expect(converted(Exploding.new)).to eq("#<Exploding: unrepresentable>")
    expect(converted(Opaque.new)).to eq("#<Opaque: unrepresentable>")
    expect(converted(SelfJson.new)).to eq("#<SelfJson: unrepresentable>")
  end

  # A value's own code (as_json, to_s, iso8601, an instant's to_time) can be
  # interrupted by what is not its failure but the thread's: that must reach
  # the app as it came, and no event is recorded for the call.
  it "passes on a throw, a timeout, Thread#kill or an Interrupt that comes while a value's code runs" do
    stub_const("Thrower", Class.new { def as_json(*) = throw(:out, :thrown) })
    stub_const("Slow", Class.new { def to_s = sleep(5).to_s })
    stub_const("SlowInstant", Class.new do
      def to_time = sleep(5)
      def iso8601 = "never"
    end)
    before = captured.size

    expect(catch(:out) { log(metadata: { value: Thrower.new }) }).to eq(:thrown)
    expect { Timeout.timeout(0.2) { log(metadata: { value: Slow.new }) } }.to raise_error(Timeout::Error)
    expect { Timeout.timeout(0.2) { log(actor: { type: "user", id: SlowInstant.new }) } }.to raise_error(Timeout::Error)
    logger = Thread.new { log(metadata: { value: Slow.new }) && :went_on }
    sleep 0.1 until logger.stop?
    logger.kill
    expect(logger.join(2)).to eq(logger)
    expect(logger.value).to be_nil
    interrupted = Thread.new { log(metadata: { value: Slow.new }) }
    interrupted.report_on_exception = false
    sleep 0.1 until interrupted.stop?
    interrupted.raise(Interrupt)
    expect { interrupted.join(2) }.to raise_error(Interrupt)
    expect(captured.size).to eq(before)
  end

  it "cuts cycles" do
    hash = { name: "loop" }
    hash[:self] = hash
    array = [1]
    array << array
    expect(converted(hash)).to eq(name: "loop", self: "[cycle]")
    expect(converted(array)).to eq([1, "[cycle]"])
  end

  it "bounds nesting depth" do
    deep = (1..1000).reduce("bottom") { |inner, _| { "next" => inner } }
    depth = 0
    node = converted(deep)
    while node.is_a?(Hash)
      node = node[:next]
      depth += 1
    end
    expect(node).to eq("[max depth exceeded]")
    expect(depth).to be < 40
  end

  it "truncates a 5 MB string with a visible marker" do
    value = converted("x" * (5 * 1024 * 1024))
    expect(value).to end_with("...[truncated, 5242880 bytes in all]")
    expect(value.bytesize).to be < 64 * 1024
  end

  it "truncates very large arrays and hashes with a marker" do
    expect(converted(Array.new(5_000) { |i| i }).last).to eq("[truncated: 4000 more items]")
    big_hash = converted(Array.new(5_000) { |i| ["k#{i}", i] }.to_h)
    expect(big_hash.size).to eq(1_001)
    expect(big_hash[:_truncated]).to eq("4000 more keys")
  end

  it "copies a bounded amount of strings, keeping short values after large ones" do
    EzlogsRubyAgent.configure { |c| c.security.max_event_size = 100_000 }
    value = converted([*Array.new(200) { "y" * 30_000 }, "paid"])
    # Past the budget (twice the limit), each string keeps 64 bytes and a
    # marker; the size limit then cut the earlier ones too, each marker
    # naming the original length.
    expect(value.first(200)).to all(start_with("y" * 64).and(end_with("...[truncated, 30000 bytes in all]")))
    expect(value[150]).to eq("#{"y" * 64}...[truncated, 30000 bytes in all]")
    expect(value.last).to eq("paid")
  end
end
