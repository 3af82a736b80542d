# frozen_string_literal: true

require "ezlogs_ruby_agent/rspec"

# The matchers, used as an app's own specs would use them: a request whose
# record change enqueues a job that sends a mail, on the suite's Sidekiq.
RSpec.describe "User flow" do
  before { seed_journey }

  def update_user
    patch "/users/123", { user: { name: "Ada L", email: "new@example.com" } }, { "HTTP_X_USER_ID" => "123" }
    # The mail's job completes after the mail is out.
    eventually { events_of("mail.delivery").any? && events_of("job.execution").size == 2 }
  end

  # The README's example, as written there, with its actions.
  it "tracks complete user journey" do
    EzlogsRubyAgent.test_mode do
      # perform actions
      update_user
      events = EzlogsRubyAgent.captured_events
      expect(events).to have_correlation_flow
    end
  end

  it "says what the flow holds" do
    update_user
    expect(EzlogsRubyAgent.captured_events).to have_correlation_flow
      .starting_with("http.request").including("data.change", "job.execution", "mail.delivery")
  end

  it "finds events by type and composable attributes, and counts them" do
    update_user
    events = EzlogsRubyAgent.captured_events
    expect(events).to have_logged_event("data.change", action: "user.updated", subject: { type: "user", id: "123" },
                                                       metadata: a_hash_including(model: "User")).once
    expect(events).to have_logged_event("job.execution").exactly(2).times
    expect(events).to have_logged_event(a_string_starting_with("job."), action: /ReceiptJob/).at_least(2).times
    expect(EzlogsRubyAgent).to have_logged_event("mail.delivery")
    expect(events).not_to have_logged_event("data.change", action: "user.destroyed")
  end

  it "takes a block, and looks only at the events logged while it ran" do
    update_user
    expect { delete "/users/123" }.to have_logged_event("data.change", action: "user.destroyed").once
    expect { get "/health" }.not_to have_logged_event("data.change")
  end

  describe "failure messages" do
    def failure_of
      yield
      raise "expected the expectation to fail"
    rescue RSpec::Expectations::ExpectationNotMetError => e
      e.message
    end

    it "says, of a type no event has, that it is a misspelling of one captured" do
      update_user
      message = failure_of { expect(EzlogsRubyAgent).to have_logged_event("data.changed") }

      expect(message.lines.first.chomp).to eq('expected to log a "data.changed" event, but none matched. ' \
                                              'No event has that type: did you mean "data.change"?')
    end

    it "says, of a record change asked for inside a transaction of the test's own, that it waits for the commit" do
      hint = "A database transaction of the test's own is open: a record's change is reported when its " \
             "transaction commits, as after_commit runs (Rails' transactional tests are seen through)."
      messages = []
      ActiveRecord::Base.transaction do
        User.create!(name: "Ada", email: "ada@example.com")
        messages << failure_of { expect(EzlogsRubyAgent).to have_logged_event("data.change") }
        raise ActiveRecord::Rollback
      end
      user = User.create!(name: "Grace", email: "grace@example.com")
      ActiveRecord::Base.transaction do
        user.update!(name: "Grace H.")
        messages << failure_of { expect(EzlogsRubyAgent).to have_logged_event("data.change", action: "user.updated") }
      end

      expect(messages.map { |message| message.lines.first.chomp }).to eq(
        [%(expected to log a "data.change" event, but none matched. #{hint}),
         %(expected to log a "data.change" event with action: "user.updated", but none matched. #{hint})]
      )
      expect(failure_of { expect(EzlogsRubyAgent).to have_logged_event("data.changed") }).not_to include("commit")
      expect(failure_of { expect(EzlogsRubyAgent).to have_logged_event("data.change", action: "x") })
        .not_to include("commit")
    end

    it "shows what the events of the type had, what was captured as a flow tree, then what was expected" do
      update_user
      message = failure_of do
        expect(EzlogsRubyAgent.captured_events).to have_logged_event("data.change", action: "user.created").once
      end
      flow_id = EzlogsRubyAgent.captured_events.first[:event][:correlation][:flow_id]
      lines = message.lines.map(&:chomp)

      expect(lines.first).to eq('expected to log a "data.change" event with action: "user.created" once, ' \
                                "but none matched.")
      expect(lines[2..4]).to eq(["What they had:", '  data.change  user.updated  action: "user.updated"',
                                 '  data.change  order.updated  action: "order.updated"'])
      expect(lines[6]).to match(/\ACaptured \(\d+ events\):\z/)
      expect(lines[7]).to start_with("flow #{flow_id} (")
      expect(lines[8]).to match(%r{\A  http\.request  PATCH /users/123  user 123  200  \d+\.\d ms  \[evt_\S+\]\z})
      # The request's children, one level in, as they were logged.
      expect(lines[9..]).to include(a_string_matching(/\A    data\.change  user\.updated  user 123  \[evt_\S+\]\z/),
                                    a_string_matching(/\A    job\.enqueue  ReceiptJob\.enqueued  job \S+  \[evt_/))
      expect(message.length).to be < 3_000
    end

    # A value the event holds other than the one expected, deep in a Hash
    # or behind a matcher: the message shows it.
    it "shows the values the events of the type had for the attributes named" do
      update_user
      message = failure_of do
        expect(EzlogsRubyAgent).to have_logged_event("job.execution", metadata: a_hash_including(result: "nope"))
      end
      had = message.lines.map(&:chomp).drop_while { |line| line != "What they had:" }.drop(1).take(2)
      results = EzlogsRubyAgent.captured_events.filter_map do |entry|
        entry[:event][:metadata][:result] if entry[:event][:event_type] == "job.execution"
      end
      expect(had.size).to eq(2)
      expect(had.zip(results)).to all(satisfy { |line, result| line.include?({ result: }.inspect[1..-2]) })
    end

    it "says that ids are Strings when an Integer id is all that kept an event from matching" do
      update_user
      message = failure_of do
        expect(EzlogsRubyAgent).to have_logged_event("data.change", subject: { type: "user", id: 123 })
      end
      expect(message.lines.first.chomp).to end_with(
        "none matched. Events hold keys as Symbols, and ids and Symbol values as Strings: " \
        "write subject: #{{ type: "user", id: "123" }.inspect}."
      )
      other = failure_of do
        expect(EzlogsRubyAgent).to have_logged_event("data.change", subject: { type: "user", id: 99 })
      end
      expect(other).not_to include("as Strings")
      symbol = failure_of do
        expect(EzlogsRubyAgent).to have_logged_event("data.change", subject: { type: :user, id: "123" })
      end
      expect(symbol.lines.first.chomp).to end_with("Strings: write subject: #{{ type: "user", id: "123" }.inspect}.")
    end

    it "says that a Hash is compared whole when keys it left out are all that kept an event from matching" do
      update_user
      message = failure_of { expect(EzlogsRubyAgent).to have_logged_event("data.change", metadata: { model: "User" }) }
      expect(message.lines.first.chomp).to match(
        /but none matched\. A Hash is compared whole, and a "data.change" event \(user\.updated\) has metadata: with more keys \(\w+(, \w+)*\): name them all, or write metadata: a_hash_including\(model: "User"\)\.\z/ # rubocop:disable Layout/LineLength
      )
      expect(message.lines.first).to include("table")
      # What the event had is shown whole: the keys left out are why.
      subject = failure_of { expect(EzlogsRubyAgent).to have_logged_event("data.change", subject: { type: "user" }) }
      expect(subject).to include(%(data.change  user.updated  subject: #{{ type: "user", id: "123" }.inspect}\n))
      expect(EzlogsRubyAgent).to have_logged_event("data.change", metadata: a_hash_including(model: "User"))
      other = failure_of { expect(EzlogsRubyAgent).to have_logged_event("data.change", metadata: { model: "Invoice" }) }
      expect(other).not_to include("compared whole")
      # A matcher cannot be written back as code: the hint says what to do.
      matcher = failure_of do
        expect(EzlogsRubyAgent).to have_logged_event("data.change", metadata: { model: a_string_starting_with("U") })
      end
      expect(matcher.lines.first.chomp).to end_with("name them all, or match part of it.")
      # A Hash inside naming some of the keys.
      nested = failure_of do
        expect(EzlogsRubyAgent).to have_logged_event("data.change", metadata: { model: "User",
                                                                                changes: { name: ["Ada", "Ada L"] } })
      end
      expect(nested.lines.first).to include("changes.updated_at")
      suggested = nested.lines.first.chomp[/or write metadata: (.+)\.\z/, 1]
      expect(suggested).to eq('a_hash_including(model: "User", changes: a_hash_including(name: ["Ada", "Ada L"]))')
      expect(EzlogsRubyAgent).to have_logged_event("data.change", metadata: eval(suggested)) # rubocop:disable Security/Eval -- the hint's code
      # A Hash in an Array, and a Range: written as code too.
      listed = failure_of do
        expect(EzlogsRubyAgent).to have_logged_event("http.request", metadata: { status: 200..299,
                                                                                 params: { user: { name: "Ada L" } } })
      end
      expect(listed.lines.first).to include("params.id")
      expect(listed.lines.first.chomp[/or write metadata: (.+)\.\z/, 1])
        .to eq('a_hash_including(status: 200..299, params: a_hash_including(user: a_hash_including(name: "Ada L")))')
      related = failure_of do
        expect(EzlogsRubyAgent).to have_logged_event("data.change", metadata: { related: [{ type: "account" }] })
      end
      expect(related.lines.first).to include("related[0].id")
      suggested = related.lines.first.chomp[/or write metadata: (.+)\.\z/, 1]
      expect(suggested).to eq('a_hash_including(related: [a_hash_including(type: "account")])')
      expect(EzlogsRubyAgent).to have_logged_event("data.change", metadata: eval(suggested)) # rubocop:disable Security/Eval -- the hint's code
      # Keys as the test wrote them (a String, an Integer, one that is no
      # plain label), and an empty Hash, which matches only an empty one.
      EzlogsRubyAgent.log_event(event_type: "order.placed", action: "placed", actor: { type: "user", id: "1" },
                                metadata: { 1 => "a", "x-y" => "b", "color" => 1, none: {}, more: 2 })
      keys = failure_of do
        expect(EzlogsRubyAgent).to have_logged_event("order.placed", metadata: { "color" => 1, 1 => "a", "x-y" => "b",
                                                                                 none: {}, more: 2 })
      end
      expect(keys.lines.first.chomp).to end_with("Symbols, and ids and Symbol values as Strings: write metadata: " \
                                                 "#{{ color: 1, "1": "a", "x-y": "b", none: {}, more: 2 }.inspect}.")
      partly = failure_of do
        expect(EzlogsRubyAgent).to have_logged_event("order.placed", metadata: { 1 => "a", "x-y" => "b", none: {} })
      end
      suggested = partly.lines.first.chomp[/or write metadata: (.+)\.\z/, 1]
      expect(suggested).to eq('a_hash_including("1": "a", "x-y": "b", none: {})')
      expect(EzlogsRubyAgent).to have_logged_event("order.placed", metadata: eval(suggested)) # rubocop:disable Security/Eval -- the hint's code
      # A Symbol in a Hash naming some of the keys: both are said.
      both = failure_of { expect(EzlogsRubyAgent).to have_logged_event("data.change", metadata: { model: :User }) }
      expect(both.lines.first.chomp).to match(
        /none matched\. Events hold keys as Symbols, and ids and Symbol values as Strings\. A Hash is compared whole, .* or write metadata: a_hash_including\(model: "User"\)\.\z/ # rubocop:disable Layout/LineLength
      )
    end

    it "says that the agent is off when that is why nothing was captured" do
      EzlogsRubyAgent.config.enabled = false
      quietly { EzlogsRubyAgent.configure }
      patch "/users/123", { user: { name: "Ada L" } }
      message = failure_of { expect(EzlogsRubyAgent).to have_logged_event("data.change") }

      expect(message).to end_with("Captured (0 events):\n(no events)\nNothing can be captured: " \
                                  "the agent is off (enabled = false).")
    ensure
      EzlogsRubyAgent.config.enabled = true
      quietly { EzlogsRubyAgent.configure }
    end

    # An app that set delivery.endpoint in its initializer for every
    # environment: its tests send events there rather than capture them.
    it "says where events went when they were sent rather than captured" do
      EzlogsRubyAgent.configure { |c| c.delivery.endpoint = "memory://" }
      EzlogsRubyAgent::Native.set_test_mode(false)
      EzlogsRubyAgent.clear_captured_events
      message = failure_of { expect(EzlogsRubyAgent).to have_logged_event("data.change") }

      expect(message).to end_with("Nothing can be captured: events go to memory:// (as delivery.endpoint chose), " \
                                  "and are captured only in test mode: run the code in the assertion's block or in " \
                                  "EzlogsRubyAgent.test_mode { }, or leave delivery.endpoint unset in tests.")
      expect { patch "/users/123", { user: { name: "Ada L" } } }.to have_logged_event("data.change") # the block form
    ensure
      EzlogsRubyAgent::Native.set_test_mode(true)
    end

    it "says why events do not form one flow" do
      update_user
      EzlogsRubyAgent.log_event(event_type: "note.added", action: "added", actor: { type: "system", id: "cron" })
      message = failure_of { expect(EzlogsRubyAgent).to have_correlation_flow.including("billing.charged") }

      expect(message).to start_with('expected the events to form one correlation flow, including "billing.charged", ' \
                                    "but the events belong to 2 flows (")
      expect(message).to include('the flow has no "billing.charged" event', "note.added  added  [evt_")
      expect(message.lines.first).to include("pass the code as a block (expect { ... }.to have_correlation_flow)")
      expect { update_user }.to have_correlation_flow.starting_with("http.request") # as the hint says
    end
  end
end
