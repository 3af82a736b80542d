# frozen_string_literal: true

require "timeout"

# What ends a job's thread (a timeout, Sidekiq's shutdown, an Interrupt) is
# passed on at once: the job tracker neither takes an interruption of its
# own recording for the job's failure, nor reads the job's arguments (which
# runs their as_json) once the job was interrupted.
RSpec.describe "A job interrupted while it is tracked" do
  # An argument whose as_json takes `seconds`, noting each call.
  let(:slow_class) do
    Class.new do
      attr_reader :calls

      def initialize(seconds)
        @seconds = seconds
        @calls = 0
      end

      def as_json(*)
        @calls += 1
        sleep @seconds
        {}
      end
    end
  end

  before do
    stub_const("SlowArgumentJob", Class.new(ApplicationJob) do
      def perform(_value, pause = 0) = sleep(pause)
    end)
  end

  def elapsed
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    yield
    Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
  end

  def executions
    events_of("job.execution").select { |event| event[:metadata][:job_class] == "SlowArgumentJob" }
  end

  it "passes on a timeout that comes while it records a run that completed, and records nothing for it" do
    value = slow_class.new(1)

    took = elapsed do
      expect { Timeout.timeout(0.2) { SlowArgumentJob.perform_now(value) } }.to raise_error(Timeout::Error)
    end

    expect(took).to be < 0.8
    expect(value.calls).to eq(1)
    expect(executions).to be_empty
  end

  it "records a run an Interrupt ended without reading its arguments, and passes the Interrupt on" do
    value = slow_class.new(1)
    runner = Thread.new { SlowArgumentJob.perform_now(value, 5) }
    runner.report_on_exception = false
    sleep 0.05 until runner.stop?

    took = elapsed do
      runner.raise(Interrupt)
      expect { runner.join(3) }.to raise_error(Interrupt)
    end

    expect(took).to be < 0.8
    expect(value.calls).to eq(0)
    expect(executions.size).to eq(1)
    expect(executions.first[:action]).to eq("SlowArgumentJob.failed")
    expect(executions.first[:metadata]).not_to have_key(:arguments)
    expect(executions.first[:metadata]).to include(attempt: 1, executions: 1)
    expect(executions.first[:metadata][:error]).to include(class: "Interrupt")
  end

  # Sidekiq's hard shutdown raises Sidekiq::Shutdown into the runs still
  # going, and pushes their jobs back to the queue.
  it "records a Sidekiq run its shutdown ended as failed, with its attempt but not its arguments" do
    value = slow_class.new(1)
    job = { "class" => "AuditWorker", "jid" => "shutdown-1", "queue" => "default", "retry" => 5, "args" => [value] }

    took = elapsed do
      expect { EzlogsRubyAgent::SidekiqJobTracker.new.call(nil, job, "default") { raise Sidekiq::Shutdown } }
        .to raise_error(Sidekiq::Shutdown)
    end

    run = events_of("job.execution").find { |event| event[:metadata][:job_id] == "shutdown-1" }
    expect(took).to be < 0.8
    expect(value.calls).to eq(0)
    expect(run[:action]).to eq("AuditWorker.failed")
    expect(run[:metadata]).to include(attempt: 1, retry_scheduled: true)
    expect(run[:metadata]).not_to have_key(:arguments)
  end
end
