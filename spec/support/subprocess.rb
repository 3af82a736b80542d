# frozen_string_literal: true

require "open3"
require "rbconfig"

# Runs Ruby in a separate process, for what only a process can show: boot,
# exit, a broken native library, an installed gem.
module Subprocess
  ROOT = File.expand_path("../..", __dir__)

  Result = Struct.new(:stdout, :stderr, :status, keyword_init: true) do
    def success?
      status.success?
    end
  end

  # A script for run_ruby that loads the agent, configures it (`configure`:
  # Ruby run with `c`, the configuration), defines `emit(i)`, which logs one
  # event, and then runs `body`.
  def agent_script(configure, body)
    <<~RUBY
      require "ezlogs_ruby_agent"
      require "json"
      EzlogsRubyAgent.configure do |c|
        #{configure}
      end
      def emit(i) = EzlogsRubyAgent.log_event(event_type: "order.placed", action: "created", actor: { type: "user", id: i })
      #{body}
    RUBY
  end

  def run_ruby(script, env: {}, load_path: ["#{ROOT}/lib"], chdir: ROOT, timeout: 60)
    args = load_path.flat_map { |dir| ["-I", dir] }
    run_command([RbConfig.ruby, *args, "-e", script], env:, chdir:, timeout:)
  end

  # Runs a command with a time limit, from the repository root by default,
  # outside this suite's bundle, as a user's process would run.
  def run_command(command, env: {}, chdir: ROOT, timeout: 60)
    outside_bundle do
      Open3.popen3(env, *command, chdir:, pgroup: true) do |stdin, stdout, stderr, waiter|
        stdin.close
        watchdog = kill_group_after(timeout, waiter.pid)
        out = Thread.new { stdout.read }
        err = Thread.new { stderr.read }
        result = Result.new(status: waiter.value, stdout: out.value, stderr: err.value)
        watchdog.kill
        result
      end
    end
  end

  # The whole process group: a forked child left hanging would otherwise
  # keep the output pipes open, and the suite would wait for it forever.
  def kill_group_after(seconds, pid)
    Thread.new do
      sleep seconds
      Process.kill("KILL", -pid)
    rescue Errno::ESRCH
      nil
    end
  end

  def outside_bundle(&)
    defined?(Bundler) ? Bundler.with_unbundled_env(&) : yield
  end
end
