# frozen_string_literal: true

require "set"
require "stringio"
require "timeout"

# Collections an app hands to log_event in metadata, where ActiveSupport's
# as_json would read them whole: a relation is loaded no further than the
# event keeps (1,000 items), and what makes or reads its items as it is run
# (an Enumerator, a StringIO) is not run at all.
RSpec.describe "Collections in log_event metadata" do
  def logged(value)
    id = EzlogsRubyAgent.log_event(event_type: "report.built", action: "built", actor: { type: "user", id: 1 },
                                   metadata: { value: })
    captured.find { |event| event[:event_id] == id }[:metadata][:value]
  end

  # The SQL the block ran, in order.
  def queries(&)
    sql = []
    counting = ->(*, payload) { sql << payload[:sql] unless payload[:name] == "SCHEMA" }
    ActiveSupport::Notifications.subscribed(counting, "sql.active_record", &)
    sql
  end

  let(:account) { Account.create!(name: "Many") }

  before do
    now = Time.current
    rows = Array.new(1_200) do |i|
      { name: "User #{i}", email: "user#{i}@example.com", account_id: i < 1_100 ? account.id : nil,
        created_at: now, updated_at: now }
    end
    User.insert_all(rows)
  end

  it "loads one row more than it keeps of a relation, and has the database count the rest" do
    value = nil
    sql = queries { value = logged(User.order(:id)) }

    expect(sql.size).to eq(2)
    expect(sql.first).to match(/LIMIT/i)
    expect(sql.last).to match(/COUNT/i)
    expect(value.size).to eq(1_000)
    expect(value.first).to include(name: "User 0", email: "[REDACTED]")
    expect(value[998]).to include(name: "User 998")
    expect(value.last).to eq("[truncated: 201 more items]")
  end

  it "keeps the relation's own limit and offset, and counts a grouped relation's groups" do
    expect(logged(User.order(:id).limit(3)).map { |user| user[:name] }).to eq(["User 0", "User 1", "User 2"])
    expect(logged(User.order(:id).offset(1_150)).size).to eq(50)
    expect(logged(User.order(:id).limit(1_050)).last).to eq("[truncated: 51 more items]")
    expect(logged(User.group(:account_id).select(:account_id)).size).to eq(2)
    # The groups counted by the database (one row), not each group's count
    # brought into Ruby, as Rails' own count of a grouped relation does.
    sql = queries { expect(logged(User.group(:name).select(:name)).last).to eq("[truncated: 201 more items]") }
    expect(sql.last).to match(/\ASELECT COUNT\(\*\) FROM \(SELECT/)
    # Its records, not the rows its join makes (300 orders of one user).
    first = User.order(:id).first
    now = Time.current
    Order.insert_all(Array.new(300) { { user_id: first.id, total: 1, created_at: now, updated_at: now } })
    expect(logged(User.eager_load(:orders).order(:id)).last).to eq("[truncated: 201 more items]")
    # Rails' own count would lose the alias `c` its order names.
    expect(logged(User.group(:name).select("name, count(*) AS c").order("c DESC")).last)
      .to eq("[truncated: 201 more items]")
    # Grouped by that alias (which Rails' own count would select without,
    # and fail): no query fails.
    sql = queries do
      expect(logged(User.select("name AS nn, count(*) AS c").group("nn")).last).to eq("[truncated: 201 more items]")
    end
    expect(sql.size).to eq(2)
  end

  it "loads an association the same way, with its records not saved yet, and reads a preloaded one from memory" do
    expect(logged(account.users).last).to eq("[truncated: 101 more items]")
    built = Account.find(account.id).users.tap { |users| users.build(name: "New", email: "new@example.com") }
    expect(logged(built).last).to eq("[truncated: 102 more items]")
    # A relation made from the association has none of them (as its to_a).
    expect(logged(built.where(name: "User 1"))).to match([include(name: "User 1")])
    expect(logged(Account.new.users.tap { |users| users.build(name: "New", email: "new@example.com") }))
      .to match([include(id: nil, name: "New")])

    preloaded = Account.includes(:users).find(account.id)
    value = nil
    expect(queries { value = logged(preloaded.users) }).to be_empty
    expect(value.size).to eq(1_000)
    expect(value.last).to eq("[truncated: 101 more items]")
  end

  it "reads an Enumerable by its own first, and takes a size only where the items read could have it" do
    sized = Class.new do
      include Enumerable

      def initialize(size) = @size = size
      def each(&) = 2_000.times(&)
      attr_reader :size
    end
    own_first = Class.new do
      include Enumerable

      def each(&) = [1, 2].each(&)
      def first = :own
    end

    expect(logged(sized.new(2_000)).last).to eq("[truncated: 1001 more items]")
    [10, -1, 2**70, nil].each { |size| expect(logged(sized.new(size)).last).to eq("[truncated: more items]") }
    expect(logged(own_first.new)).to eq([1, 2])
  end

  it "makes pairs keyed by text a Hash, whose values are redacted by their keys" do
    pairs = Class.new do
      include Enumerable

      def initialize(count) = @count = count
      def each = @count.times { |i| yield i.zero? ? %w[password hunter2] : ["key#{i}", i] }
      def size = @count
    end
    headers = ActionDispatch::Http::Headers.from_hash("HTTP_AUTHORIZATION" => "Bearer s3cr3t-token",
                                                      "HTTP_ACCEPT" => "text/html")

    expect(logged(pairs.new(2))).to eq(password: "[REDACTED]", key1: 1)
    # Pairs that repeat a key are a Hash each: one Hash would keep one value.
    repeated = Class.new do
      include Enumerable

      def each(&) = [%w[tag x], [:tag, "y"], %w[password hunter2], %w[password hunter3]].each(&)
    end
    expect(logged(repeated.new)).to eq([{ tag: "x" }, { tag: "y" }, { password: "[REDACTED]" },
                                        { password: "[REDACTED]" }])
    expect(logged(headers)).to eq(HTTP_AUTHORIZATION: "[REDACTED]", HTTP_ACCEPT: "text/html")
    many = logged(pairs.new(1_500))
    expect(many.size).to eq(1_000)
    expect(many.values_at(:key998, :key999, :_truncated)).to eq([998, nil, "501 more keys"])
  end

  it "does not run an Enumerator, nor read an IO-like one, and lists what holds its items" do
    body = StringIO.new("password=hunter2\n")
    collection = Class.new do
      include Enumerable

      def each(&) = [1, 2].each(&)
    end
    endless = Class.new do
      include Enumerable

      def each = loop { yield 1 }
    end

    # (Run, an Enumerator without end would never finish: the timeout, which
    # the agent passes on, fails the example instead.)
    Timeout.timeout(5) do
      expect(logged((1..Float::INFINITY).each)).to eq("#<Enumerator: unrepresentable>")
      expect(logged((1..Float::INFINITY).lazy.map { |n| n * 2 })).to eq("#<Enumerator::Lazy: unrepresentable>")
    end
    expect(logged(Enumerator.new { |_yielder| raise "ran" })).to eq("#<Enumerator: unrepresentable>")
    expect(logged(body)).to eq("#<StringIO: unrepresentable>")
    expect(body.pos).to eq(0)
    expect(logged(Set.new([1, 2]))).to eq([1, 2])
    expect(logged(collection.new)).to eq([1, 2])
    # No further than the event keeps, counted where it has a size.
    expect(logged(Set.new(1..5_000)).values_at(0, 998, 999)).to eq([1, 999, "[truncated: 4001 more items]"])
    Timeout.timeout(5) { expect(logged(endless.new).last(2)).to eq([1, "[truncated: more items]"]) }
  end
end
