# frozen_string_literal: true

require "fileutils"
require "rbconfig"
require_relative "child_script"
require_relative "cores"
require_relative "job"
require_relative "verdict"

module Soak
  # Runs one Job's child: `ruby -I<repo>/lib -e SCRIPT` outside any bundle,
  # in its own directory (where its core file lands), in its own process
  # group, with no limit on core files; sends the job's signal on its mark;
  # kills it when its watchdog runs out; then reads its output, looks for
  # core files and processes left in its group, and judges it.
  class Runner
    LIB = File.expand_path("../lib", __dir__)
    ABORT_GRACE = 10

    def initialize(runs_dir, keep_all: false)
      @runs_dir = runs_dir
      @keep_all = keep_all
      @base_env = child_base_env
    end

    def run(job)
      dir = File.join(@runs_dir, "#{job.scenario}-#{job.id}")
      FileUtils.mkdir_p(dir)
      result = Result.new(job:, dir:, marks: {}, cores: [], strays: [])
      execute(job, dir, result)
      finish(result)
    end

    private

    def execute(job, dir, result)
      pid = spawn_child(job, dir)
      result.started_at = now
      waiter = Thread.new { [Process.wait2(pid)[1], now] }
      signaller = job.signal && Thread.new { signal_on_mark(job.signal, pid, dir, result) }
      result.status, result.reaped_at = watch(waiter, pid, result)
      signaller&.kill
      result.strays = Strays.clear(pid)
    end

    def spawn_child(job, dir)
      script = ChildScript.script(job.body)
      Process.spawn(@base_env.merge(job.env), RbConfig.ruby, "-I", LIB, "-e", script,
                    chdir: dir, pgroup: true, unsetenv_others: true, in: File::NULL,
                    out: File.join(dir, "stdout"), err: File.join(dir, "stderr"),
                    rlimit_core: [Process::RLIM_INFINITY, Process::RLIM_INFINITY])
    end

    def watch(waiter, pid, result)
      done = waiter.join([result.started_at + result.job.watchdog - now, 0].max)
      return done.value if done

      result.watchdog = true
      Strays.signal_group(pid, "ABRT")
      return waiter.value if waiter.join(ABORT_GRACE)

      Strays.signal_group(pid, "KILL")
      waiter.value
    end

    def signal_on_mark(signal, pid, dir, result)
      path = File.join(dir, "stdout")
      sleep 0.02 until File.exist?(path) && File.read(path).include?("SOAK #{signal[:mark]} ")
      sleep signal[:delay]
      result.signal_sent_at = now
      Process.kill(signal[:name], pid)
    rescue Errno::ESRCH
      result.signal_sent_at = nil
    end

    def finish(result)
      read_output(result)
      result.cores = Cores.collect(result.dir)
      result.problems = Verdict.problems(result)
      FileUtils.rm_rf(result.dir) unless result.failed? || @keep_all
      result
    end

    def read_output(result)
      result.stdout = File.read(File.join(result.dir, "stdout"), encoding: "BINARY").scrub
      result.stderr = File.read(File.join(result.dir, "stderr"), encoding: "BINARY").scrub
      result.read_marks(result.stdout)
    end

    # This environment without bundler's settings and the caller's EZLOGS_*
    # settings, as a user's process would start.
    def child_base_env
      env = defined?(Bundler) ? Bundler.unbundled_env : ENV.to_h
      env.reject { |name, _| name.start_with?("EZLOGS_", "BUNDLE", "RUBYOPT", "RUBYLIB", "GEM_") }
         .merge("EZLOGS_SERVICE_NAME" => "soak")
    end

    def now
      Process.clock_gettime(Process::CLOCK_MONOTONIC)
    end
  end

  # Processes still in a child's process group once the child has gone (a
  # forked child it did not wait for, or one its watchdog caught).
  module Strays
    module_function

    def signal_group(pgid, name)
      Process.kill(name, -pgid)
    rescue Errno::ESRCH, Errno::EPERM
      nil
    end

    # Their pids and command lines, after aborting them (for a core) and
    # killing them.
    def clear(pgid)
      strays = members(pgid)
      return [] if strays.empty?

      signal_group(pgid, "ABRT")
      deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 5
      sleep 0.1 until members(pgid).empty? || Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
      signal_group(pgid, "KILL")
      strays
    end

    # Live (not zombie) processes whose process group is `pgid`.
    def members(pgid)
      Process.kill(0, -pgid)
      Dir.glob("/proc/[0-9]*/stat").filter_map do |path|
        fields = File.read(path).split(") ", 2).last.split
        next unless fields[2].to_i == pgid && fields[0] != "Z"

        "#{File.basename(File.dirname(path))} (#{File.read(path)[/\((.*)\)/, 1]})"
      rescue Errno::ENOENT, Errno::ESRCH
        nil
      end
    rescue Errno::ESRCH, Errno::EPERM
      []
    end
  end
end
