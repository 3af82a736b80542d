# frozen_string_literal: true

require_relative "../test_helper"

class UserFlowTest < ActionDispatch::IntegrationTest
  setup do
    host! "example.org" # one of the shop's config.hosts
    connection = ActiveRecord::Base.connection
    %w[orders users accounts].each { |table| connection.execute("DELETE FROM #{table}") }
    connection.execute("INSERT INTO accounts (id, name, created_at, updated_at) VALUES (7, 'Acme', 0, 0)")
    connection.execute("INSERT INTO users (id, account_id, name, email, created_at, updated_at) " \
                       "VALUES (123, 7, 'Ada', 'old@example.com', 0, 0)")
    connection.execute("INSERT INTO orders (id, user_id, status, total, created_at, updated_at) " \
                       "VALUES (9, 123, 'paid', 59.9, 0, 0)")
  end

  # Rails' tests queue jobs without running them; this runs them, and the
  # mail job they enqueue.
  def update_user
    perform_enqueued_jobs { update_user_now }
  end

  def update_user_now
    patch "/users/123", params: { user: { name: "Ada L", email: "new@example.com" } },
                        headers: { "X-User-Id" => "123" }
  end

  test "tracks complete user journey" do
    EzlogsRubyAgent.test_mode do
      update_user
      assert_correlation_flow(starting_with: "http.request", including: %w[data.change job.execution mail.delivery])
      changes = assert_logged_event("data.change", action: "user.updated", subject: { type: "user", id: "123" },
                                                   count: 1)
      assert_equal ["Ada", "Ada L"], changes.first[:metadata][:changes][:name]
    end
  end

  test "looks at the events a block logged" do
    EzlogsRubyAgent.test_mode do
      update_user
      assert_logged_event("data.change", action: "user.destroyed") { delete "/users/123" }
      assert_no_logged_event("data.change") { get "/health" }
      assert_logged_event("job.execution", action: /\AReceiptJob/, subject: Hash)
    end
  end

  test "says what was captured when an assertion fails" do
    EzlogsRubyAgent.test_mode do
      update_user
      error = assert_raises(Minitest::Assertion) { assert_logged_event("data.change", action: "user.created") }
      lines = error.message.lines.map(&:chomp)
      assert_equal 'Expected a "data.change" event with action: "user.created", but none matched.', lines[0]
      assert_equal ["What they had:", '  data.change  user.updated  action: "user.updated"',
                    '  data.change  order.updated  action: "order.updated"'], lines[2..4]
      assert_match(/\ACaptured \(\d+ events\):\z/, lines[6])
      assert_match(%r{\A  http\.request  PATCH /users/123  user 123  200  \d+\.\d ms  \[evt_}, lines[8])

      error = assert_raises(Minitest::Assertion) do
        assert_logged_event("data.change", subject: { type: "user", id: 123 })
      end
      assert_equal 'Expected a "data.change" event with subject: {:type=>"user", :id=>123}, but none matched. ' \
                   "Events hold keys as Symbols, and ids and Symbol values as Strings: " \
                   'write subject: {:type=>"user", :id=>"123"}.',
                   error.message.lines.first.chomp
      error = assert_raises(Minitest::Assertion) do
        assert_logged_event("data.change", subject: { type: :user, id: "123" })
      end
      assert error.message.lines.first.chomp.end_with?('Strings: write subject: {:type=>"user", :id=>"123"}.')

      error = assert_raises(Minitest::Assertion) { assert_logged_event("data.change", metadata: { model: "User" }) }
      assert_match(/ A Hash is compared whole, and a "data.change" event \(user.updated\) has metadata: with more keys \(\w+(, \w+)*\): name them all, or write metadata: ->\(value\) \{ value in \{model: "User"\} \}\.\z/, # rubocop:disable Layout/LineLength
                   error.message.lines.first.chomp)
      assert_includes error.message.lines.first, "table"
      assert_logged_event("data.change", metadata: ->(value) { value in { model: "User" } }) # as the hint says

      # A nested Hash and a Class are written as code the pattern takes.
      EzlogsRubyAgent.log_event(event_type: "order.placed", action: "placed", actor: { type: "user", id: "1" },
                                metadata: { total: 5, items: { sku: "A1" }, note: "gift" })
      error = assert_raises(Minitest::Assertion) do
        assert_logged_event("order.placed", metadata: { total: Integer, items: { sku: "A1" } })
      end
      suggested = error.message.lines.first.chomp[/or write metadata: (.+)\.\z/, 1]
      assert_equal '->(value) { value in {total: Integer, items: {sku: "A1"}} }', suggested
      assert_logged_event("order.placed", metadata: eval(suggested)) # rubocop:disable Security/Eval -- the hint's code

      # Keys as the test wrote them (an Integer, one that is no plain
      # label), and an empty Hash: a pattern takes them.
      EzlogsRubyAgent.log_event(event_type: "order.placed", action: "placed", actor: { type: "user", id: "1" },
                                metadata: { 1 => "a", "x-y" => "b", none: {}, more: 2 })
      assert_logged_event("order.placed", metadata: { 1 => "a", "x-y" => "b", none: {}, more: 2 })
      error = assert_raises(Minitest::Assertion) do
        assert_logged_event("order.placed", metadata: { 1 => "a", "x-y" => "b", none: {} })
      end
      suggested = error.message.lines.first.chomp[/or write metadata: (.+)\.\z/, 1]
      assert_equal '->(value) { value in {"1": "a", "x-y": "b", none: {}} }', suggested
      assert_logged_event("order.placed", metadata: eval(suggested)) # rubocop:disable Security/Eval -- the hint's code

      # A Hash in an Array: an Array pattern of Hash patterns.
      error = assert_raises(Minitest::Assertion) do
        assert_logged_event("data.change", metadata: { related: [{ type: "account" }] })
      end
      suggested = error.message.lines.first.chomp[/or write metadata: (.+)\.\z/, 1]
      assert_equal '->(value) { value in {related: [{type: "account"}]} }', suggested
      assert_logged_event("data.change", metadata: eval(suggested)) # rubocop:disable Security/Eval -- the hint's code

      # A Hash inside naming some of the keys: a pattern matches part of it.
      error = assert_raises(Minitest::Assertion) do
        assert_logged_event("data.change", metadata: { model: "User", changes: { name: ["Ada", "Ada L"] } })
      end
      assert_includes error.message.lines.first, "changes.updated_at"
      suggested = error.message.lines.first.chomp[/or write metadata: (.+)\.\z/, 1]
      assert_equal '->(value) { value in {model: "User", changes: {name: ["Ada", "Ada L"]}} }', suggested
      assert_logged_event("data.change", metadata: eval(suggested)) # rubocop:disable Security/Eval -- the hint's code

      # A type no event has: jobs Rails' test adapter kept queued, a typo.
      error = assert_raises(Minitest::Assertion) do
        assert_logged_event("job.execution") { patch "/users/123", params: { user: { email: "q@example.com" } } }
      end
      assert_includes error.message.lines.first, "1 job was enqueued, and none ran: Rails' test adapter keeps " \
                                                 "jobs queued; run them with perform_enqueued_jobs { ... }"
      error = assert_raises(Minitest::Assertion) { assert_logged_event("data.changed") }
      assert_equal 'Expected a "data.changed" event, but none matched. No event has that type: ' \
                   'did you mean "data.change"?', error.message.lines.first.chomp

      EzlogsRubyAgent.log_event(event_type: "note.added", action: "added", actor: { type: "system", id: "cron" })
      error = assert_raises(Minitest::Assertion) { assert_correlation_flow }
      assert_match(/\AExpected the events to form one correlation flow, but the events belong to 5 flows/,
                   error.message)
      # What the code under test logged, apart from what came before it.
      assert_includes error.message.lines.first, "pass the code as a block (assert_correlation_flow { ... })"
      assert_correlation_flow(starting_with: "http.request", including: %w[data.change]) do
        perform_enqueued_jobs { patch "/users/123", params: { user: { name: "Ada M" } } }
      end
    end
  end
end
