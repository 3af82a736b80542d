# frozen_string_literal: true

# Jobs in flight during a rolling deploy: a 0.1.19 worker reads
# `_correlation_data` (and `correlation_id`) from the Sidekiq job, so the
# new client writes them beside its own key; jobs a 0.1.19 process
# enqueued keep their flow when a new worker runs them.
RSpec.describe "Upgrading from 0.1.19: job payloads in flight" do
  before { insert_row("users", id: 123, name: "Ada", email: "ada@example.com") }

  after { Sidekiq::ScheduledSet.new.clear }

  let(:legacy) { { "flow_id" => "flow_legacy_7", "correlation_id" => "corr_legacy", "request_id" => "req-old" } }

  # The Sidekiq job as pushed (scheduled an hour ahead, so that no worker
  # takes it meanwhile), found by its last argument.
  def scheduled_job(last_argument)
    Sidekiq::ScheduledSet.new.map(&:item).find { |job| job["args"].last == last_argument }
  end

  def executions_of(job_class)
    events_of("job.execution").select { |event| event[:metadata][:job_class] == job_class }
  end

  it "writes 0.1.19's keys into a Sidekiq job beside its own, and leaves an app's own correlation_id" do
    # As a request does: with a W3C trace, whose ids 0.1.19 had no place for.
    EzlogsRubyAgent::CorrelationManager.start_request_context(
      "req-1", traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    )
    EzlogsRubyAgent.start_flow("order", 9)
    AuditWorker.perform_in(3600, 123, "later")
    job = scheduled_job("later")

    expect(job["ezlogs_correlation"]).to include("trace_id" => "0af7651916cd43dd8448eb211c80319c")
    # Only what 0.1.19's Context.new takes (it refuses any other keyword).
    taken = %w[correlation_id primary_correlation_id flow_id session_id request_id parent_event_id parent_flow_id
               started_at metadata depth chain]
    expect(job["_correlation_data"].keys).to all(be_in(taken))
    expect(job["_correlation_data"]).to eq(job["ezlogs_correlation"].slice(*job["_correlation_data"].keys))
    expect(job["_correlation_data"]).to include("flow_id" => "flow_order_9", "request_id" => "req-1")
    expect(job["correlation_id"]).to eq(job["ezlogs_correlation"]["primary_correlation_id"])

    Sidekiq::Client.push("class" => AuditWorker, "args" => [123, "own"], "at" => Time.now.to_f + 3600,
                         "correlation_id" => "app-own-1")
    expect(scheduled_job("own")).to include("correlation_id" => "app-own-1", "_correlation_data" => be_a(Hash))
  end

  it "writes them around an ActiveJob job too, where 0.1.19's worker looked" do
    EzlogsRubyAgent.start_flow("order", 9)
    WelcomeJob.set(wait: 3600).perform_later(User.find(123))
    job = Sidekiq::ScheduledSet.new.map(&:item).find { |item| item["wrapped"] == "WelcomeJob" }

    expect(job["class"]).to eq("ActiveJob::QueueAdapters::SidekiqAdapter::JobWrapper")
    expect(job["_correlation_data"]).to include(job["args"].first["ezlogs_correlation"].slice("flow_id",
                                                                                              "correlation_id"))
    expect(job["correlation_id"]).to eq(job["_correlation_data"]["primary_correlation_id"])
  end

  it "runs an ActiveJob job a 0.1.19 process enqueued in that process's flow" do
    payload = WelcomeJob.new(User.find(123)).serialize.except("ezlogs_correlation", "ezlogs_due_at")
    Sidekiq::Client.push("class" => "ActiveJob::QueueAdapters::SidekiqAdapter::JobWrapper",
                         "wrapped" => "WelcomeJob", "queue" => "default", "args" => [payload],
                         "_correlation_data" => legacy, "correlation_id" => "corr_legacy")
    eventually { executions_of("WelcomeJob").size == 1 }

    expect(executions_of("WelcomeJob").first[:correlation]).to include(flow_id: "flow_legacy_7",
                                                                       request_id: "req-old")
  end

  it "takes a 0.1.19 job that Sidekiq pushes again (a retry) as no new enqueue, in its flow" do
    Sidekiq::Client.push("class" => AuditWorker, "args" => [123, "retried"], "retry_count" => 0,
                         "_correlation_data" => legacy, "correlation_id" => "corr_legacy")
    eventually { executions_of("AuditWorker").size == 1 }

    expect(events_of("job.enqueue")).to be_empty
    expect(executions_of("AuditWorker").first[:correlation]).to include(flow_id: "flow_legacy_7")
  end
end
