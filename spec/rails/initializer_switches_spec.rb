# frozen_string_literal: true

# Boots the dummy app in a fresh process, as a Rails app boots, with
# switches turned off in its config/initializers/ezlogs.rb, and drives a
# request that updates a user (job, mail) and a Sidekiq enqueue.
RSpec.describe "Instrumentation switches set in config/initializers" do
  # Another database of the suite's Redis: the child's Sidekiq pushes must not
  # reach this process's Sidekiq, which would run them here.
  let(:other_redis_db) { REDIS.url.sub(%r{/0\z}, "/1") }

  let(:script) do
    dummy_request_script(<<~RUBY)
      AuditWorker.perform_async(123, "from a web process")
      puts JSON.generate(status: status, events: events.call.map { |event| event[:event_type] }.tally,
                         mails: ActionMailer::Base.deliveries.size,
                         middleware: Rails.application.middleware.include?(EzlogsRubyAgent::HttpTracker))
    RUBY
  end

  def boot_and_drive(switches_off, env = {})
    database = File.join(RAILS_SPEC_TMP, "switches-#{switches_off.size}-#{env.size}.sqlite3")
    result = run_ruby(script, env: { "DUMMY_INSTRUMENTATION_OFF" => switches_off.join(","),
                                     "DUMMY_JOB_ADAPTER" => "inline", "DUMMY_DATABASE" => database,
                                     "REDIS_URL" => other_redis_db, "RAILS_ENV" => "test" }.merge(env))
    expect(result).to be_success, result.stderr
    JSON.parse(result.stdout.lines.last, symbolize_names: true)
  end

  it "tracks everything by default" do
    outcome = boot_and_drive([])

    expect(outcome).to include(status: 200, mails: 1, middleware: true)
    expect(outcome[:events].keys.map(&:to_s)).to include("http.request", "data.change", "job.enqueue",
                                                         "job.execution", "mail.delivery")
    expect(outcome[:events][:"job.enqueue"]).to eq(3) # ReceiptJob, its mail job, AuditWorker
  end

  it "tracks nothing when every switch is turned off there, and the app works the same" do
    outcome = boot_and_drive(%w[http active_record active_job sidekiq mail])

    expect(outcome).to include(status: 200, events: {}, mails: 1)
  end

  it "tracks nothing with enabled = false there, and the app works the same" do
    expect(boot_and_drive([], "DUMMY_AGENT_OFF" => "1")).to include(status: 200, events: {}, mails: 1,
                                                                    middleware: true)
  end

  it "installs no hook at all with EZLOGS_ENABLED=false" do
    expect(boot_and_drive([], "EZLOGS_ENABLED" => "false")).to include(status: 200, events: {}, mails: 1,
                                                                       middleware: false)
  end
end
