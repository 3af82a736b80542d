# frozen_string_literal: true

# A native library that cannot load (here: a file that is not a library for
# this platform, found first on the load path) must not stop the app.
RSpec.describe "When the native extension cannot be loaded" do
  let(:broken_dir) { Dir.mktmpdir("ezlogs-broken") }

  after { FileUtils.rm_rf(broken_dir) }

  def run_with_broken_library(script)
    broken = EzlogsRubyAgent::NativeLibrary.path(broken_dir)
    FileUtils.mkdir_p(File.dirname(broken))
    File.write(broken, "not a shared library")
    run_ruby(script, load_path: [broken_dir, "#{Subprocess::ROOT}/lib"])
  end

  it "prints one clear error, and the public API does nothing and never raises" do
    result = run_with_broken_library(<<~RUBY)
      require "ezlogs_ruby_agent"
      require "ezlogs_ruby_agent/testing"
      agent = EzlogsRubyAgent
      agent.configure { |c| c.service_name = "app" }
      results = [
        agent.native_loaded?,
        agent.log_event(event_type: "a.b", action: "c", actor: { type: "t", id: 1 }),
        agent.start_flow("order", 1),
        agent.current_correlation_context,
        agent.extract_correlation_data,
        agent.restore_correlation_context({ flow_id: "x" }),
        agent.test_mode { :block_ran },
        agent.captured_events,
        agent::CorrelationManager.with_context({}) { :inner_ran },
        agent.flush(timeout: 0.1),
        agent.metrics,
        agent::Testing::LoggedEvents.during { :test_ran }
      ]
      print results.inspect
    RUBY

    expect(result).to be_success, result.stderr
    expect(result.stdout).to eq("[false, nil, nil, nil, {}, nil, :block_ran, [], :inner_ran, false, {}, []]")
    expect(result.stderr.lines.size).to eq(1)
    expect(result.stderr).to include("The native extension could not be loaded", "ezlogs_ruby_agent.so",
                                     "Event tracking is disabled", "gem pristine ezlogs_ruby_agent",
                                     "bundle exec rake compile")
  end
  # `rake ezlogs:test_event` and `rake ezlogs:doctor` run Doctor as here.
  it "has the test event and the doctor fail, naming the fix, rather than say ok" do
    result = run_with_broken_library(<<~RUBY)
      require "stringio"
      require "ezlogs_ruby_agent"
      require "ezlogs_ruby_agent/doctor"
      test_event = StringIO.new
      doctor = StringIO.new
      verdicts = [EzlogsRubyAgent::Doctor.new(out: test_event).send_test_event,
                  EzlogsRubyAgent::Doctor.new(out: doctor).run]
      print verdicts.inspect, "\n", test_event.string, "--\n", doctor.string
    RUBY

    expect(result).to be_success, result.stderr
    verdicts, test_event, doctor = result.stdout.split(/^--\n|(?<=\])\n/)
    expect(verdicts).to eq("[false, false]")
    expect(test_event).to start_with("FAIL  no test event: the native extension is not loaded (/tmp/ezlogs-broken")
      .and include("fix: ", "bundle exec rake compile")
    expect(doctor).to start_with("FAIL  native extension: not loaded")
    expect(doctor).not_to include("test event")
  end
end
