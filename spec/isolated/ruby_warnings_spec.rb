# frozen_string_literal: true

# Apps that run their tests with warnings on (`ruby -w`, RUBYOPT=-W) see
# every warning a gem's code raises; this gem's code raises none.
RSpec.describe "Ruby warnings" do
  it "are none from the gem's files under ruby -w, as it loads, is configured (0.1.19's options too) and logs" do
    script = <<~RUBY
      require "ezlogs_ruby_agent"
      require "ezlogs_ruby_agent/minitest"
      EzlogsRubyAgent.configure do |c|
        c.delivery.endpoint = "memory://"
        c.job_adapter
        c.capture_http = true
      end
      captured = EzlogsRubyAgent.test_mode do
        EzlogsRubyAgent.log_event(event_type: "order.placed", action: "created", actor: { type: "user", id: 1 })
        EzlogsRubyAgent.captured_events.size
      end
      print captured
    RUBY
    result = run_command([RbConfig.ruby, "-w", "-I", "#{Subprocess::ROOT}/lib", "-e", script])
    expect(result).to be_success, result.stderr
    expect(result.stdout).to eq("1")
    expect(result.stderr.lines.grep(%r{lib/ezlogs_ruby_agent.*warning:})).to eq([])
  end
end
