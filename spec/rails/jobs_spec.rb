# frozen_string_literal: true

RSpec.describe "Job tracking: ActiveJob and Sidekiq" do
  before do
    insert_row("users", id: 123, name: "Ada", email: "ada@example.com")
    insert_row("orders", id: 9, user_id: 123, status: "paid", total: 10)
  end

  let(:manager) { EzlogsRubyAgent::CorrelationManager }

  # Runs the block as if caused by a custom event in a business flow;
  # returns that event's id.
  def within_cause(&)
    EzlogsRubyAgent.start_flow("order", 9)
    cause = EzlogsRubyAgent.log_event(event_type: "order.paid", action: "paid", actor: { type: "user", id: 123 })
    manager.with_context(manager.create_child_context(cause), &)
    EzlogsRubyAgent.clear_correlation_context
    cause
  end

  def executions_of(job_class)
    events_of("job.execution").select { |e| e[:metadata][:job_class] == job_class }
  end

  describe "ActiveJob on Sidekiq" do
    it "emits job.enqueue under the current event, then one job.execution under the enqueue, in the same flow" do
      job = nil
      cause = within_cause { job = ReceiptJob.perform_later(123) }
      eventually { executions_of("ReceiptJob").any? && events_of("mail.delivery").any? }
      sleep 0.2 # a second execution event, if any, would arrive now

      enqueue = events_of("job.enqueue").find { |e| e[:metadata][:job_class] == "ReceiptJob" }
      executions = executions_of("ReceiptJob")
      expect(executions.size).to eq(1)
      execution = executions.first
      expect(enqueue[:correlation]).to include(flow_id: "flow_order_9", parent_event_id: cause)
      expect(enqueue).to include(action: "ReceiptJob.enqueued", subject: { type: "job", id: job.job_id })
      expect(enqueue[:metadata]).to include(queue: "default", adapter: "sidekiq", arguments: [123],
                                            provider_job_id: job.provider_job_id)
      expect(execution[:correlation]).to include(flow_id: "flow_order_9", parent_event_id: enqueue[:event_id])
      expect(execution).to include(action: "ReceiptJob.completed", subject: { type: "job", id: job.job_id })
      expect(execution[:metadata]).to include(queue: "default", arguments: [123], result: 9, attempt: 1,
                                              executions: 1, provider_job_id: job.provider_job_id)
      expect(execution[:metadata]).not_to have_key(:retry_scheduled)
      expect(execution[:metadata][:duration_ms]).to eq(execution[:timing][:duration_ms]).and(be > 0)
    end

    it "reports a failed run with the error, and that Sidekiq will retry it" do
      BrokenJob.perform_later("x")
      eventually { executions_of("BrokenJob").any? }

      execution = executions_of("BrokenJob").first
      expect(execution[:action]).to eq("BrokenJob.failed")
      expect(execution[:metadata]).to include(retry_scheduled: true, attempt: 1)
      expect(execution[:metadata][:error]).to include(class: "BrokenJob::Broken", message: "the job blew up")
      expect(execution[:metadata][:error][:backtrace].first).to match(%r{\Aapp/jobs/broken_job\.rb:\d+:in `perform'})

      # Waits for this job's retry itself: another example's job may still
      # keep Sidekiq busy.
      eventually { Sidekiq::RetrySet.new.any? { |entry| entry.display_class == "BrokenJob" } }
      sleep 1.5 # the retry's wait counts from when it was put back on the queue, not from the first enqueue
      SidekiqServer.enqueue_due_jobs
      eventually { executions_of("BrokenJob").size == 2 }
      expect(executions_of("BrokenJob").last[:metadata]).to include(attempt: 2, executions: 1)
      expect(executions_of("BrokenJob").last[:metadata][:queue_wait_ms]).to be < 1_000
    end

    # The core redacts the argument by its key, and the error quotes it.
    it "masks in a failed run's error message what a filtered argument held" do
      InvitationJob.perform_later(token: "S3CRET-j0b", user_id: 123)
      eventually { executions_of("InvitationJob").any? }

      error = executions_of("InvitationJob").first[:metadata][:error]
      expect(error).to include(class: "ActiveRecord::RecordNotFound")
      expect(error[:message]).to match(/Couldn't find User with 'id'=.*\[REDACTED\]/)
      expect(JSON.generate(events_of("job.enqueue") + events_of("job.execution"))).not_to include("S3CRET")
    end

    # Only what a filter hides is masked: an argument given by keyword
    # (Symbol keys) that no filter names stays in the message that quotes it.
    it "keeps in a failed run's error message the arguments no filter hides" do
      stub_const("LookupJob", Class.new(ApplicationJob) do
        def perform(name:, token:) = raise(KeyError, "no user named #{name} (#{token})")
      end)
      expect { LookupJob.perform_now(name: "Grace Hopper", token: "tok-77123") }.to raise_error(KeyError)

      message = executions_of("LookupJob").first[:metadata][:error][:message]
      expect(message).to eq("no user named Grace Hopper ([REDACTED])")
    end

    # As an HTTP client's error quotes a request body: ActiveSupport's
    # to_json writes <, > and & as \u003c, \u003e and \u0026.
    it "masks a filtered argument where a failed run's message quotes it as JSON" do
      stub_const("LoginJob", Class.new(ApplicationJob) do
        def perform(user_id, password:) = raise(KeyError, "login failed: #{{ user_id:, password: }.to_json}")
      end)
      expect { LoginJob.perform_now(7, password: "p<ss&w>rd 99") }.to raise_error(KeyError)

      message = executions_of("LoginJob").first[:metadata][:error][:message]
      expect(message).to eq('login failed: {"user_id":7,"password":"[REDACTED]"}')
    end

    # Masked before it is cut to 1,000 characters: cut first, the token
    # across the cut would not be found.
    it "masks a filtered argument that runs past the error message's 1,000th character" do
      InvitationJob.perform_later(token: "S3CRET-#{"k" * 1_500}", user_id: 123)
      eventually { executions_of("InvitationJob").any? }

      expect(executions_of("InvitationJob").first[:metadata][:error][:message])
        .to eq("Couldn't find User with 'id'=\"[REDACTED]\"")
    end

    it "records no enqueue when a before_enqueue callback refuses the job, and lets serialisation errors through" do
      expect(GuardedJob.perform_later("refuse")).to be(false)
      expect { GuardedJob.perform_later(Object.new) }.to raise_error(ActiveJob::SerializationError)

      expect(events_of("job.enqueue")).to be_empty
    end

    # Rails' inline adapter runs the job inside perform_later, which raises
    # what the job raised.
    it "records an enqueue that raised once the adapter had the job, so a failed inline run names it" do
      adapter = BrokenJob.queue_adapter
      BrokenJob.queue_adapter = :inline
      within_cause { expect { BrokenJob.perform_later(123) }.to raise_error(BrokenJob::Broken) }

      enqueue = events_of("job.enqueue").first
      expect(enqueue[:metadata][:error]).to include(class: "BrokenJob::Broken", message: "the job blew up")
      expect(executions_of("BrokenJob").first[:correlation][:parent_event_id]).to eq(enqueue[:event_id])
    ensure
      BrokenJob.queue_adapter = adapter
    end

    # Its message may quote what the job keeps out of the log.
    it "masks in a failed inline run's messages the arguments of a job that keeps them out of the log" do
      stub_const("QuietJob", Class.new(ApplicationJob) do
        self.log_arguments = false
        self.queue_adapter = :inline
        def perform(user_id, token:) = raise(KeyError, "no reset #{token} for #{user_id}")
      end)
      expect { QuietJob.perform_later(123, token: "tok-55aa01") }.to raise_error(KeyError)

      jobs = events_of("job.enqueue") + events_of("job.execution")
      expect(jobs.map { |event| event[:metadata][:error][:message] }).to eq(["no reset [REDACTED] for 123"] * 2)
      expect(jobs.map { |event| event[:metadata].key?(:arguments) }).to eq([false, false])
    end

    # Rails filters keys only: a positional argument is named by the
    # parameter that takes it, the job's perform's or the mailer method's.
    it "redacts a positional argument whose parameter the app filters, of a job and of a mail sent later" do
      InvitationCheckJob.perform_later(123, "S3CRET-p0s")
      ReceiptMailer.invitation(User.find(123), "S3CRET-m41l").deliver_later
      eventually { executions_of("InvitationCheckJob").any? && executions_of("ActionMailer::MailDeliveryJob").any? }

      jobs = (events_of("job.enqueue") + events_of("job.execution")).group_by { |e| e[:metadata][:job_class] }
      expect(jobs["InvitationCheckJob"].map { |e| e[:metadata][:arguments] }).to eq([[123, "[REDACTED]"]] * 2)
      expect(jobs["InvitationCheckJob"].last[:metadata][:error][:message])
        .to eq("Couldn't find User with 'id'=\"[REDACTED]\"")
      expect(jobs["ActionMailer::MailDeliveryJob"].map { |e| e[:metadata][:arguments].last[:args] })
        .to eq([["gid://dummy/User/123", "[REDACTED]"]] * 2)
      expect(JSON.generate(jobs)).not_to include("S3CRET")
    end

    it "names positional arguments as Ruby binds them: around a *rest, before keywords, by a private perform, " \
       "and through an app's own mail delivery job" do
      InvitationBatchJob.perform_later(123, "a note", "S3CRET-b4tch", reminder: true)
      InvitationMailer.invitation(User.find(123), "S3CRET-d3liv").deliver_later
      eventually { executions_of("InvitationBatchJob").any? && executions_of("InvitationMailDeliveryJob").any? }

      jobs = (events_of("job.enqueue") + events_of("job.execution")).group_by { |e| e[:metadata][:job_class] }
      expect(jobs["InvitationBatchJob"].map { |e| e[:metadata][:arguments] })
        .to eq([[123, "a note", "[REDACTED]", { reminder: true }]] * 2)
      expect(jobs["InvitationMailDeliveryJob"].map { |e| e[:metadata][:arguments].last[:args] })
        .to eq([["gid://dummy/User/123", "[REDACTED]"]] * 2)
      expect(JSON.generate(jobs)).not_to include("S3CRET")
    end

    # Rails 6.1's default for an app on load_defaults 5.2 or older, with
    # the mailer method's arguments after its own.
    it "redacts a mail's positional argument sent through Rails 6.1's legacy DeliveryJob, parameterized too",
       skip: (Rails::VERSION::MAJOR >= 7 && "Rails 7 removed ActionMailer::DeliveryJob") do
      previous = ReceiptMailer.delivery_job
      ReceiptMailer.delivery_job = ActionMailer::DeliveryJob
      silenced = ActiveSupport::Deprecation.silenced
      ActiveSupport::Deprecation.silenced = true # the jobs' own warning, on the adapter's threads
      ReceiptMailer.invitation(User.find(123), "S3CRET-l3gacy").deliver_later
      ReceiptMailer.with(note: "hi").invitation(User.find(123), "S3CRET-p4ram").deliver_later
      eventually do
        %w[ActionMailer::DeliveryJob ActionMailer::Parameterized::DeliveryJob].all? { |job| executions_of(job).any? }
      end

      jobs = (events_of("job.enqueue") + events_of("job.execution")).group_by { |e| e[:metadata][:job_class] }
      expect(jobs["ActionMailer::DeliveryJob"].map { |e| e[:metadata][:arguments] })
        .to eq([["ReceiptMailer", "invitation", "deliver_now", "gid://dummy/User/123", "[REDACTED]"]] * 2)
      expect(jobs["ActionMailer::Parameterized::DeliveryJob"].map { |e| e[:metadata][:arguments] })
        .to eq([["ReceiptMailer", "invitation", "deliver_now", { note: "hi" }, "gid://dummy/User/123",
                 "[REDACTED]"]] * 2)
      expect(JSON.generate(jobs)).not_to include("S3CRET")
    ensure
      ReceiptMailer.delivery_job = previous if previous
      ActiveSupport::Deprecation.silenced = silenced
    end

    it "leaves out the arguments and the result of a job that keeps its arguments out of Rails' log " \
       "(log_arguments = false)" do
      PasswordResetJob.perform_later(123, "rawtoken-5f3a")
      eventually { executions_of("PasswordResetJob").any? }

      enqueue = events_of("job.enqueue").find { |e| e[:metadata][:job_class] == "PasswordResetJob" }
      execution = executions_of("PasswordResetJob").first
      expect(enqueue[:metadata]).to include(queue: "default")
      expect(execution[:action]).to eq("PasswordResetJob.completed")
      expect([enqueue, execution].map { |event| event[:metadata].key?(:arguments) }).to eq([false, false])
      expect(execution[:metadata]).not_to have_key(:result)
      expect(JSON.generate(events_of("job.enqueue") + events_of("job.execution"))).not_to include("rawtoken")
    end

    it "measures queue wait from when a scheduled job became due" do
      enqueued = Time.now
      GuardedJob.set(wait: 1).perform_later("later")
      eventually { SidekiqServer.enqueue_due_jobs && executions_of("GuardedJob").any? }

      execution = executions_of("GuardedJob").first
      expect(Time.iso8601(execution[:timing][:started_at]) - enqueued).to be >= 1
      expect(execution[:metadata][:queue_wait_ms]).to be_between(0, 900)
    end

    it "follows retry_on: a failed attempt with a retry scheduled, then a completed one" do
      FlakyJob.perform_later("note")
      # The retry is scheduled (Rails 6.1), or enqueued at once (7.2: no wait).
      eventually { SidekiqServer.enqueue_due_jobs && executions_of("FlakyJob").size == 2 }

      # The retry may finish on the other worker thread before the first
      # run's event is recorded.
      first, second = executions_of("FlakyJob").sort_by { |execution| execution[:metadata][:attempt] }
      expect(first[:action]).to eq("FlakyJob.failed")
      expect(first[:metadata]).to include(attempt: 1, executions: 1, retry_scheduled: true,
                                          error: include(class: "FlakyJob::Hiccup"))
      expect(second[:action]).to eq("FlakyJob.completed")
      expect(second[:metadata]).to include(attempt: 2, executions: 2, result: "note on attempt 2")
      expect(second[:correlation][:flow_id]).to eq(first[:correlation][:flow_id])
    end

    it "reports an error that discard_on handled as a failure with no retry" do
      DiscardedJob.perform_later
      eventually { executions_of("DiscardedJob").any? }

      execution = executions_of("DiscardedJob").first
      expect(execution[:action]).to eq("DiscardedJob.failed")
      expect(execution[:metadata]).to include(retry_scheduled: false, error: include(class: "DiscardedJob::Gone"))
    end

    # Rails 7.2 can hold a job enqueued in a transaction until it commits,
    # and drop it on rollback: job.enqueue is recorded when the job is.
    it "records a job held until its transaction commits when Rails enqueues it, none when it rolls back",
       skip: (!ActiveJob::Base.respond_to?(:enqueue_after_transaction_commit) &&
              "Rails #{Rails.version} has no enqueue_after_transaction_commit") do
      previous = GuardedJob.enqueue_after_transaction_commit
      GuardedJob.enqueue_after_transaction_commit = :always
      cause = within_cause do
        ActiveRecord::Base.transaction do
          User.find(123).update!(name: "Ada L")
          GuardedJob.perform_later("after commit")
          expect(events_of("job.enqueue")).to be_empty
        end
      end
      ActiveRecord::Base.transaction do
        GuardedJob.perform_later("rolled back")
        raise ActiveRecord::Rollback
      end

      recorded = EzlogsRubyAgent.captured_events.map { |entry| entry[:event] }
                                .reject { |event| event[:event_type] == "job.execution" }
      expect(recorded.map { |event| event[:action] }).to eq(%w[paid user.updated GuardedJob.enqueued])
      expect(recorded.last[:metadata][:arguments]).to eq(["after commit"])
      expect(recorded.last[:correlation][:parent_event_id]).to eq(cause)
    ensure
      GuardedJob.enqueue_after_transaction_commit = previous if previous
    end

    # Rails deserialises the arguments before the perform callbacks run.
    it "reports a job whose record was deleted before it ran as failed, discarded or retried as the job says" do
      user = User.find(123)
      WelcomeJob.set(wait: 1).perform_later(user)
      ProfileSyncJob.set(wait: 1).perform_later(user)
      user.destroy!
      eventually do
        SidekiqServer.enqueue_due_jobs && executions_of("WelcomeJob").any? && executions_of("ProfileSyncJob").any?
      end

      [["WelcomeJob", false], ["ProfileSyncJob", true]].each do |job_class, retried|
        execution = executions_of(job_class).first
        expect(execution[:action]).to eq("#{job_class}.failed")
        expect(execution[:metadata]).to include(retry_scheduled: retried, arguments: ["gid://dummy/User/123"],
                                                error: include(class: "ActiveJob::DeserializationError"))
        expect(execution[:metadata]).not_to have_key(:result)
      end
    end

    it "runs a job called with perform_now in the caller's flow, under the caller's event" do
      cause = within_cause { ReceiptJob.perform_now(123) }

      execution = executions_of("ReceiptJob").first
      expect(execution[:correlation]).to include(flow_id: "flow_order_9", parent_event_id: cause)
      expect(events_of("job.enqueue").map { |e| e[:action] }).to eq(["ActionMailer::MailDeliveryJob.enqueued"])
    end

    # ActiveJob::Base.execute is what every backend (Sidekiq's wrapper,
    # Solid Queue, GoodJob, Delayed Job) calls with a job's data.
    it "records a run that fails before it starts, on any backend, and one that starts only once" do
      retired = ReceiptJob.new(123).serialize.merge("job_class" => "RetiredJob", "executions" => 2)
      expect { ActiveJob::Base.execute(retired) }.to raise_error(NameError, /RetiredJob/)
      expect { ActiveJob::Base.execute(BrokenJob.new("x").serialize) }.to raise_error(BrokenJob::Broken)

      expect(executions_of("RetiredJob").size).to eq(1)
      expect(executions_of("RetiredJob").first).to include(action: "RetiredJob.failed",
                                                           subject: { type: "job", id: retired["job_id"] })
      expect(executions_of("RetiredJob").first[:metadata]).to include(queue: "default", attempt: 3,
                                                                      error: include(class: "NameError"))
      expect(executions_of("RetiredJob").first[:metadata].keys & %i[retry_scheduled provider_job_id]).to be_empty
      expect(executions_of("BrokenJob").size).to eq(1)
    end

    it "is off when instrumentation.active_job is off" do
      EzlogsRubyAgent.config.instrumentation.active_job = false
      ReceiptJob.perform_later(123)
      eventually { ActionMailer::Base.deliveries.any? && SidekiqServer.idle? }

      expect(events_of("job.enqueue") + events_of("job.execution")).to be_empty
    end
  end

  describe "Sidekiq workers" do
    it "emits job.enqueue and job.execution, and keeps the chain when a job enqueues a job" do
      cause = within_cause { AuditWorker.perform_async(123, "chain") }
      eventually { executions_of("AuditWorker").size == 2 }

      first_enqueue, second_enqueue = events_of("job.enqueue")
      first_run = executions_of("AuditWorker").find { |e| e[:metadata][:arguments] == [123, "chain"] }
      second_run = executions_of("AuditWorker").find { |e| e[:metadata][:arguments] == [123, "follow-up"] }
      expect(first_enqueue[:correlation][:parent_event_id]).to eq(cause)
      expect(first_run[:correlation][:parent_event_id]).to eq(first_enqueue[:event_id])
      expect(second_enqueue[:correlation][:parent_event_id]).to eq(first_run[:event_id])
      expect(second_run[:correlation][:parent_event_id]).to eq(second_enqueue[:event_id])
      expect((events_of("job.enqueue") + events_of("job.execution") + events_of("data.change"))
               .map { |e| e[:correlation][:flow_id] }.uniq).to eq(["flow_order_9"])
      expect(first_run).to include(action: "AuditWorker.completed")
      expect(first_run[:metadata]).to include(queue: "default", result: "chain", attempt: 1)
      expect(first_run[:metadata][:queue_wait_ms]).to be >= 0
      expect(first_enqueue[:metadata]).to include(job_class: "AuditWorker", queue: "default",
                                                  arguments: [123, "chain"])
    end

    it "redacts a positional argument whose parameter the app filters" do
      ApiSyncWorker.perform_async(123, "S3CRET-w0rk")
      eventually { executions_of("ApiSyncWorker").any? }

      events = (events_of("job.enqueue") + events_of("job.execution"))
               .select { |e| e[:metadata][:job_class] == "ApiSyncWorker" }
      expect(events.map { |e| e[:metadata][:arguments] }).to eq([[123, "[REDACTED]"]] * 2)
    end

    it "follows Sidekiq's retries: attempt, retry_count and whether another retry is scheduled" do
      AuditWorker.perform_async(123, "fail")
      eventually { executions_of("AuditWorker").size == 1 && SidekiqServer.idle? }
      eventually { SidekiqServer.enqueue_due_jobs && executions_of("AuditWorker").size == 2 }

      first, second = executions_of("AuditWorker")
      expect(first[:metadata]).to include(attempt: 1, retry_scheduled: true, error: include(class: "ArgumentError"))
      expect(first[:metadata]).not_to have_key(:retry_count)
      expect(second[:metadata]).to include(attempt: 2, retry_count: 0, retry_scheduled: false)
      expect(events_of("job.enqueue").size).to eq(1) # Sidekiq's own re-push is not an enqueue
    end

    # Sidekiq's poller moves a scheduled job to its queue up to seconds
    # after it became due, and stamps enqueued_at then: here a job that
    # became due two seconds before it was scheduled.
    it "measures a scheduled worker's queue wait from when it became due" do
      Sidekiq::Client.push("class" => AuditWorker, "args" => [123, "later"], "at" => Time.now.to_f - 2)
      eventually { SidekiqServer.enqueue_due_jobs && executions_of("AuditWorker").any? }

      run = executions_of("AuditWorker").first
      due = Time.iso8601(events_of("job.enqueue").first[:metadata][:scheduled_at])
      waited_ms = (Time.iso8601(run[:timing][:started_at]) - due) * 1000
      expect(run[:metadata][:queue_wait_ms]).to be >= 1_900
      expect(run[:metadata][:queue_wait_ms]).to be_within(50).of(waited_ms)
    end

    # Sidekiq retries the worker, not the jobs it performs inline.
    it "counts a worker's retries in its own attempt, not in the jobs it performs inline" do
      push_raw("class" => "AuditWorker", "args" => [123, "perform_now"], "retry" => 5, "retry_count" => 2)
      eventually { executions_of("AuditWorker").any? }

      expect(executions_of("AuditWorker").first[:metadata]).to include(attempt: 4, retry_count: 2)
      expect(executions_of("SyncJob").first[:metadata]).to include(attempt: 1, executions: 1)
      broken = executions_of("BrokenJob").first[:metadata]
      expect(broken).to include(attempt: 1, error: include(class: "BrokenJob::Broken"))
      expect(broken).not_to have_key(:retry_scheduled)
    end

    it "restores the context written by older versions of the gem" do
      legacy = { "flow_id" => "flow_legacy_1", "correlation_id" => "corr_legacy", "request_id" => "req-old" }
      push_raw("class" => "AuditWorker", "args" => [123, "old"], "_correlation_data" => legacy)
      push_raw("class" => "AuditWorker", "args" => [123, "older"], "correlation_id" => "corr_oldest")
      eventually { executions_of("AuditWorker").size == 2 }

      old = executions_of("AuditWorker").find { |e| e[:metadata][:arguments] == [123, "old"] }
      oldest = executions_of("AuditWorker").find { |e| e[:metadata][:arguments] == [123, "older"] }
      expect(old[:correlation]).to include(flow_id: "flow_legacy_1", request_id: "req-old")
      expect(oldest[:correlation][:primary_correlation_id]).to eq("corr_oldest")
    end

    # A rolling deploy: the worker runs code older or newer than the code
    # that enqueued the job, and cannot load its class. ActiveJob's wrapper
    # loads, and ActiveJob raises before the job starts; a worker class
    # fails before any server middleware runs.
    it "records the failed run of a job whose class this worker cannot load, once, in its flow" do
      payload = nil
      cause = within_cause { payload = ReceiptJob.new(123).serialize.merge("job_class" => "RetiredJob") }
      push_raw("class" => EzlogsRubyAgent::SidekiqJobTracker::ACTIVE_JOB_WRAPPER, "wrapped" => "RetiredJob",
               "args" => [payload])
      push_raw("class" => "RetiredWorker", "args" => [123, "gone"])
      AuditWorker.perform_async(123, "fail") # tracked: recorded by the middleware alone
      eventually { %w[RetiredJob RetiredWorker AuditWorker].all? { |name| executions_of(name).any? } }
      sleep 0.3 # a second event for a run, if any, would arrive now

      retired_job, retired_worker, audit = %w[RetiredJob RetiredWorker AuditWorker].map { |name| executions_of(name) }
      expect([retired_job.size, retired_worker.size, audit.size]).to eq([1, 1, 1])
      expect(retired_job.first).to include(action: "RetiredJob.failed", subject: { type: "job", id: payload["job_id"] })
      expect(retired_job.first[:correlation]).to include(flow_id: "flow_order_9", parent_event_id: cause)
      expect(retired_job.first[:metadata]).to include(queue: "default", attempt: 1, retry_scheduled: false,
                                                      error: include(class: "NameError", message: /RetiredJob/))
      expect(retired_worker.first).to include(action: "RetiredWorker.failed")
      expect(retired_worker.first[:metadata]).to include(queue: "default", attempt: 1, retry_scheduled: false,
                                                         error: include(class: "NameError", message: /RetiredWorker/))
      expect(retired_job.first[:metadata]).not_to have_key(:arguments) # its class may keep them out of the log
      expect(retired_job.first[:metadata][:duration_ms]).to eq(retired_job.first[:timing][:duration_ms]).and(be >= 0)
      expect(retired_job.first[:metadata][:provider_job_id]).to be_a(String)
      expect(retired_worker.first[:metadata]).not_to have_key(:duration_ms) # nothing timed it
      expect(retired_worker.first).not_to have_key(:timing)
    end

    it "records a run that a middleware ahead of the agent's failed, ActiveJob's or Sidekiq's" do
      # As a multi-tenant app's middleware does when a job names a tenant
      # that no longer exists.
      tenant_middleware = Class.new do
        def call(_worker, job, _queue)
          raise ArgumentError, "no tenant #{job["tenant"]}" if job["tenant"] == "gone"

          yield
        end
      end
      payload = ReceiptJob.new(123).serialize
      SidekiqServer.with_middleware_ahead(tenant_middleware) do
        push_raw("class" => EzlogsRubyAgent::SidekiqJobTracker::ACTIVE_JOB_WRAPPER, "wrapped" => "ReceiptJob",
                 "args" => [payload], "tenant" => "gone")
        push_raw("class" => "AuditWorker", "args" => [123, "tenant"], "tenant" => "gone")
        eventually { executions_of("ReceiptJob").any? && executions_of("AuditWorker").any? }
      end

      expect(executions_of("ReceiptJob").first).to include(action: "ReceiptJob.failed",
                                                           subject: { type: "job", id: payload["job_id"] })
      expect(executions_of("AuditWorker").first).to include(action: "AuditWorker.failed")
      expect((executions_of("ReceiptJob") + executions_of("AuditWorker")).map { |e| e[:metadata][:error] })
        .to all(include(class: "ArgumentError", message: "no tenant gone"))
      expect(ActionMailer::Base.deliveries).to be_empty
    end

    # Sidekiq reports those errors too, with a copy of the job hash.
    it "records a run once when its sidekiq_retries_exhausted block and a death handler raise as well" do
      death_handlers = SidekiqServer.sidekiq7? ? Sidekiq.default_configuration.death_handlers : Sidekiq.death_handlers
      raising = ->(_job, _error) { raise "the pager is down" }
      death_handlers << raising
      ExhaustedWorker.perform_async("x")
      eventually { executions_of("ExhaustedWorker").any? && SidekiqServer.idle? }
      sleep 0.3 # a second event, if any, would arrive now

      runs = executions_of("ExhaustedWorker")
      expect(runs.size).to eq(1)
      expect(runs.first[:metadata]).to include(attempt: 1, retry_scheduled: false,
                                               error: include(class: "IOError", message: "gave up on x"))
    ensure
      death_handlers.delete(raising)
    end

    # What this Sidekiq does with each, as its own sets show: a window over
    # at once (retry_for), a retry_in block (which may stop the retries
    # from Sidekiq 6.5.2, so the answer is unknown there), and a `retry`
    # that is neither a number nor true (Sidekiq's max_retries then).
    it "says whether Sidekiq retries a failed run as the Sidekiq running it does: retry_for, sidekiq_retry_in" do
      jids = { "WindowedWorker" => WindowedWorker.perform_async("w"),
               "BackoffWorker" => BackoffWorker.perform_async("b"),
               "AuditWorker" => Sidekiq::Client.push("class" => AuditWorker, "args" => [123, "fail"], "retry" => "2") }
      eventually { jids.keys.all? { |name| executions_of(name).any? } && SidekiqServer.idle? }

      retried = Sidekiq::RetrySet.new.map(&:jid)
      fates = jids.to_h do |name, jid|
        [name, [executions_of(name).first[:metadata][:retry_scheduled], retried.include?(jid)]]
      end
      expect(fates["WindowedWorker"]).to eq([fates["WindowedWorker"].last] * 2)
      expect(fates["WindowedWorker"].last).to be(Gem::Version.new(Sidekiq::VERSION) < Gem::Version.new("7.1.3"))
      stops = Gem::Version.new(Sidekiq::VERSION) >= Gem::Version.new("6.5.2")
      expect(fates["BackoffWorker"]).to eq([stops ? nil : true, true])
      expect(fates["AuditWorker"]).to eq([true, true])
    ensure
      Sidekiq::RetrySet.new.clear
    end

    # Sidekiq::JobRetry's rules, and a job its shutdown interrupted, which
    # it pushes back to its queue, also one it would not retry.
    it "says whether Sidekiq runs a failed job again, as far as its options tell" do
      tracker = EzlogsRubyAgent::SidekiqRetries
      stub_const("KillingWorker", Class.new { include Sidekiq::Worker }.tap { |w| w.sidekiq_retry_in { :kill } })
      error = IOError.new
      jobs = [{ "class" => "AuditWorker", "retry" => false }, { "class" => "AuditWorker", "retry" => 1 },
              { "class" => "AuditWorker", "retry" => 1, "retry_count" => 0 },
              { "class" => "AuditWorker", "retry" => 5, "retry_for" => 0 },
              { "class" => "AuditWorker", "retry" => 5, "retry_for" => 60, "failed_at" => Time.now.to_f - 30 },
              { "class" => "AuditWorker", "retry" => 5, "retry_for" => 60, "failed_at" => Time.now.to_f - 90 },
              { "class" => "KillingWorker", "retry" => 5 },
              { "class" => "AuditWorker" }] # no retry of its own: the class's (1)
      answers = jobs.map { |job| tracker.scheduled?(job, error) }
      # Sidekiq before 7.1.3 has no retry_for; before 6.5.2 retry_in only
      # chooses the delay.
      windowed = tracker.sidekiq_since?(tracker::RETRY_FOR_SINCE) ? [false, true, false] : [true, true, true]
      killing = tracker.sidekiq_since?(tracker::RETRY_IN_STOPS_SINCE) ? nil : true
      expect(answers).to eq([false, true, false, *windowed, killing, true])
      expect(tracker.scheduled?(jobs.first, Sidekiq::Shutdown.new)).to be(true)
    end

    it "tracks jobs that a Sidekiq 7 capsule runs, in the flow that enqueued them" do
      skip "capsules are Sidekiq 7's" unless SidekiqServer.sidekiq7?

      cause = within_cause { AuditWorker.set(queue: "serial").perform_async(123, "serial") }
      eventually { executions_of("AuditWorker").size == 1 }

      enqueue = events_of("job.enqueue").first
      run = executions_of("AuditWorker").first
      expect(enqueue[:metadata]).to include(queue: "serial")
      expect(run[:metadata]).to include(queue: "serial", result: "serial")
      expect(enqueue[:correlation][:parent_event_id]).to eq(cause)
      expect(run[:correlation]).to include(parent_event_id: enqueue[:event_id], flow_id: "flow_order_9")
    end

    it "is off when instrumentation.sidekiq is off" do
      EzlogsRubyAgent.config.instrumentation.sidekiq = false
      AuditWorker.perform_async(123, "quiet")
      eventually { User.find(123).name == "audited: quiet" && SidekiqServer.idle? }

      expect(events_of("job.enqueue") + events_of("job.execution")).to be_empty
    end

    # A job as an older agent left it in Redis, without this gem's key.
    def push_raw(job)
      payload = { "queue" => "default", "jid" => SecureRandom.hex(12), "retry" => false,
                  "created_at" => Time.now.to_f, "enqueued_at" => Time.now.to_f }.merge(job)
      Sidekiq.redis do |redis|
        redis.sadd("queues", "default")
        redis.lpush("queue:default", JSON.generate(payload))
      end
    end
  end

  it "sends recipients' domains only, never a whole address" do
    addresses = ["ada@Example.COM", "alice", "\"a@b\"@example.org", "@x", "y@"]
    expect(addresses.map { |address| EzlogsRubyAgent::MailTracker.domain(address) })
      .to eq(["example.com", nil, "example.org", nil, nil])
  end

  it "reports a mail delivered at once (deliver_now, keyword arguments) in the current flow" do
    cause = within_cause { ReceiptMailer.notice(user: User.find(123), note: "hello").deliver_now }

    mail = events_of("mail.delivery").first
    expect(mail).to include(action: "ReceiptMailer#notice", subject: { type: "mailer", id: "ReceiptMailer" })
    expect(mail[:metadata]).to include(recipient_count: 1, recipient_domains: ["example.com"])
    expect(mail[:correlation]).to include(flow_id: "flow_order_9", parent_event_id: cause)
  end

  %i[deliver_now deliver_now!].each do |delivery|
    it "reports a delivery that raised (#{delivery}, an SMTP server that cannot be reached) with its error, " \
       "which reaches the app" do
      closed_port = TCPServer.open("127.0.0.1", 0).then { |server| server.addr[1].tap { server.close } }
      ReceiptMailer.delivery_method = :smtp
      ReceiptMailer.smtp_settings = { address: "127.0.0.1", port: closed_port, enable_starttls_auto: false }
      raised = nil
      cause = within_cause do
        ReceiptMailer.notice(user: User.find(123), note: "hello").public_send(delivery)
      rescue StandardError => e
        raised = e
      end

      expect(raised).to be_a(Errno::ECONNREFUSED)
      mails = events_of("mail.delivery")
      expect(mails.size).to eq(1)
      expect(mails.first).to include(action: "ReceiptMailer#notice", subject: { type: "mailer", id: "ReceiptMailer" })
      expect(mails.first[:metadata]).to include(recipient_count: 1, recipient_domains: ["example.com"])
      expect(mails.first[:metadata][:error]).to include(class: "Errno::ECONNREFUSED", message: raised.message)
      expect(mails.first[:correlation]).to include(parent_event_id: cause)
    ensure
      ReceiptMailer.delivery_method = ActionMailer::Base.delivery_method
      ReceiptMailer.smtp_settings = ActionMailer::Base.smtp_settings
    end
  end

  it "puts a job enqueued outside any flow (a console, a rake task) in one new flow with its enqueue" do
    ReceiptJob.perform_later(123)
    AuditWorker.perform_async(123, "from a script")
    eventually { executions_of("ReceiptJob").any? && executions_of("AuditWorker").any? }

    %w[ReceiptJob AuditWorker].each do |job_class|
      enqueue = events_of("job.enqueue").find { |e| e[:metadata][:job_class] == job_class }
      execution = executions_of(job_class).first
      expect(execution[:correlation]).to include(flow_id: enqueue[:correlation][:flow_id],
                                                 parent_event_id: enqueue[:event_id],
                                                 primary_correlation_id: enqueue[:correlation][:primary_correlation_id])
    end
    flows = %w[ReceiptJob AuditWorker].map { |c| events_of("job.enqueue").find { |e| e[:metadata][:job_class] == c } }
    expect(flows.map { |e| e[:correlation][:flow_id] }.uniq.size).to eq(2)
  end

  it "never carries one job's context into the next job on the same thread" do
    chain = SidekiqServer.server_middleware
    job_hash = ->(flow) { { "class" => "AuditWorker", "jid" => SecureRandom.hex(12), "args" => [123, flow] } }
    seen = []
    run = lambda do |job|
      chain.invoke(AuditWorker.new, job, "default") { seen << EzlogsRubyAgent.current_correlation_context&.flow_id }
    end
    EzlogsRubyAgent.start_flow("first", 1)
    first = job_hash.call("first").merge(EzlogsRubyAgent::JobPayload::KEY => EzlogsRubyAgent.extract_correlation_data)
    EzlogsRubyAgent.clear_correlation_context

    run.call(first)
    expect(EzlogsRubyAgent.current_correlation_context).to be_nil
    run.call(job_hash.call("second"))
    expect(EzlogsRubyAgent.current_correlation_context).to be_nil

    expect(seen.first).to eq("flow_first_1")
    expect(seen.last).not_to eq("flow_first_1")
  end
end
