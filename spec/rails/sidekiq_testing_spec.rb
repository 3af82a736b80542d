# frozen_string_literal: true

# Apps test their Sidekiq workers with Sidekiq::Testing, in a process that
# is no Sidekiq server: jobs run inline (`inline!`), are drained from fake
# queues (`fake!`, `drain`, `perform_one`), or are run at once
# (`perform_inline`). Each run is a `job.execution` as on a real server,
# under its `job.enqueue` in the same flow; `perform_inline`, which
# enqueues nothing, runs under the caller's event.
RSpec.describe "Sidekiq workers run by Sidekiq::Testing" do
  let(:script) do
    <<~'RUBY'
      require "./spec/dummy/config/environment"
      require "sidekiq/testing"
      ActiveRecord::Migration.verbose = false
      load "spec/dummy/db/schema.rb"
      ActiveRecord::Base.connection.insert_fixture({ id: 123, name: "Ada", email: "ada@example.com",
                                                     created_at: Time.now, updated_at: Time.now }, "users")
      manager = EzlogsRubyAgent::CorrelationManager
      # As a request would: a flow, an event, and the work under it.
      within_cause = lambda do |&work|
        EzlogsRubyAgent.start_flow("order", 9)
        cause = EzlogsRubyAgent.log_event(event_type: "order.paid", action: "paid", actor: { type: "user", id: 1 })
        manager.with_context(manager.create_child_context(cause), &work)
        EzlogsRubyAgent.clear_correlation_context
      end
      runs = {
        "inline!" => -> { Sidekiq::Testing.inline! { within_cause.call { AuditWorker.perform_async(123, "inline") } } },
        "fake! and drain" => lambda do
          Sidekiq::Testing.fake! do
            within_cause.call { AuditWorker.perform_async(123, "one") && AuditWorker.perform_async(123, "two") }
            AuditWorker.perform_one
            AuditWorker.drain
          end
        end,
        "perform_inline" => -> { within_cause.call { AuditWorker.perform_inline(123, "now") } },
        "inline! failing" => lambda do
          Sidekiq::Testing.inline! do
            within_cause.call do
              AuditWorker.perform_async(123, "fail")
            rescue ArgumentError
              nil
            end
          end
        end,
        # retry_on's retry runs at once, inside the first run, and its
        # error raises through it.
        "inline! retry_on" => lambda do
          Sidekiq::Testing.inline! do
            within_cause.call do
              StubbornJob.perform_later("twice")
            rescue IOError
              nil
            end
          end
        end
      }
      EzlogsRubyAgent.test_mode do
        described = runs.to_h do |name, run|
          EzlogsRubyAgent.clear_captured_events
          run.call
          events = EzlogsRubyAgent.captured_events.map { |entry| entry[:event] }
          by_id = events.to_h { |event| [event[:event_id], event] }
          [name, events.map do |event|
            parent = by_id[event[:correlation][:parent_event_id]]
            described = [event[:event_type], event[:action], parent&.[](:event_type),
                         event[:metadata]&.[](:arguments), event[:correlation][:flow_id]]
            event[:action].end_with?(".failed") ? described << event[:metadata][:retry_scheduled] : described
          end]
        end
        puts JSON.generate(described)
      end
    RUBY
  end

  it "records each run under its enqueue, in the caller's flow; perform_inline under the caller's event" do
    result = run_ruby(script, env: { "DUMMY_DATABASE" => File.join(RAILS_SPEC_TMP, "sidekiq-testing.sqlite3"),
                                     "DUMMY_JOB_ADAPTER" => "sidekiq", "RAILS_ENV" => "test" })
    expect(result).to be_success, result.stderr

    runs = JSON.parse(result.stdout.lines.last)
    flow = "flow_order_9"
    expect(runs["inline!"]).to eq(
      [["order.paid", "paid", nil, nil, flow],
       ["job.enqueue", "AuditWorker.enqueued", "order.paid", [123, "inline"], flow],
       ["data.change", "user.updated", "job.execution", nil, flow],
       ["job.execution", "AuditWorker.completed", "job.enqueue", [123, "inline"], flow]]
    )
    expect(runs["fake! and drain"]).to eq(
      [["order.paid", "paid", nil, nil, flow],
       ["job.enqueue", "AuditWorker.enqueued", "order.paid", [123, "one"], flow],
       ["job.enqueue", "AuditWorker.enqueued", "order.paid", [123, "two"], flow],
       ["data.change", "user.updated", "job.execution", nil, flow],
       ["job.execution", "AuditWorker.completed", "job.enqueue", [123, "one"], flow],
       ["data.change", "user.updated", "job.execution", nil, flow],
       ["job.execution", "AuditWorker.completed", "job.enqueue", [123, "two"], flow]]
    )
    # Sidekiq runs the job once the client middleware has let it through:
    # a run that fails is under an enqueue recorded already. Its error goes
    # to the caller, and nothing retries it.
    expect(runs["inline! failing"]).to eq(
      [["order.paid", "paid", nil, nil, flow],
       ["job.enqueue", "AuditWorker.enqueued", "order.paid", [123, "fail"], flow],
       ["job.execution", "AuditWorker.failed", "job.enqueue", [123, "fail"], flow, false]]
    )
    expect(runs["inline! retry_on"].select { |event| event[1] == "StubbornJob.failed" }.map(&:last))
      .to eq([false, true]) # the retry (run and recorded first), then the first run, which scheduled it
    expect(runs["perform_inline"]).to eq(
      [["order.paid", "paid", nil, nil, flow],
       ["data.change", "user.updated", "job.execution", nil, flow],
       ["job.execution", "AuditWorker.completed", "order.paid", [123, "now"], flow]]
    )
  end
end
