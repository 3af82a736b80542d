# frozen_string_literal: true

require "delayed_job_active_record"

# ActiveJob on delayed_job, a backend that keeps its queue in the app's
# database: its jobs are recorded as jobs, and its own rows are not the
# app's data. Jobs run as `rake jobs:work` runs them (Delayed::Worker).
RSpec.describe "ActiveJob on delayed_job" do
  around do |example|
    adapter = ActiveJob::Base.queue_adapter
    ActiveJob::Base.queue_adapter = :delayed_job
    example.run
  ensure
    ActiveJob::Base.queue_adapter = adapter
  end

  def work_off
    Delayed::Worker.new(quiet: true).work_off
  end

  it "records the job, not its queue's rows, which hold arguments the job keeps out of the log" do
    PasswordResetJob.perform_later(123, "rawtoken-dj-5f3a")
    expect(Delayed::Job.count).to eq(1)
    expect(work_off).to eq([1, 0]) # one run, no failure

    expect(events_of("job.enqueue").map { |e| e[:action] }).to eq(["PasswordResetJob.enqueued"])
    expect(events_of("job.execution").map { |e| e[:action] }).to eq(["PasswordResetJob.completed"])
    expect(events_of("data.change")).to be_empty # the row created, locked and deleted
    expect(JSON.generate(EzlogsRubyAgent.captured_events.map { |entry| entry[:event] })).not_to include("rawtoken")
  end

  # A rolling deploy: the worker cannot load the job's class. delayed_job
  # keeps the job for another attempt.
  it "records a run that failed before it started, as on any backend" do
    data = ReceiptJob.new(123).serialize.merge("job_class" => "RetiredJob")
    Delayed::Job.enqueue(ActiveJob::QueueAdapters::DelayedJobAdapter::JobWrapper.new(data))
    expect(work_off).to eq([0, 1])

    runs = events_of("job.execution")
    expect(runs.map { |e| e[:action] }).to eq(["RetiredJob.failed"])
    expect(runs.first[:metadata]).to include(attempt: 1, error: include(class: "NameError"))
    expect(runs.first[:metadata].keys & %i[retry_scheduled arguments]).to be_empty
    expect(Delayed::Job.first.attempts).to eq(1)
  end
end
