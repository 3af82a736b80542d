# frozen_string_literal: true

require "fileutils"
require_relative "doctor/trackers"
require_relative "doctor/destination"

module EzlogsRubyAgent
  # `rake ezlogs:doctor`: checks the setup and prints one verdict per line,
  # with the fix when something is wrong:
  #
  #   ok    native extension: loaded (.../ezlogs_ruby_agent.so, built 2026-12-01 03:10)
  #   FAIL  endpoint http://127.0.0.1:9000/events did not take a test event (evt_...): ... Connection refused ...
  #         fix: start the ezlogs agent (it listens on 127.0.0.1:9000), or set delivery.endpoint to your collector
  #
  # `rake ezlogs:test_event` runs only the last check: it sends one event.
  class Doctor
    Verdict = Struct.new(:status, :text, :fix)

    include Trackers
    include Destination

    # `out`: where verdicts are printed; `wait`: seconds a test event may
    # take to be delivered.
    def initialize(out: $stdout, wait: 10)
      @out = out
      @wait = wait
      @config = EzlogsRubyAgent.config
    end

    # Prints every verdict; true when none failed.
    def run
      report([native_extension, configuration, *trackers, *destination, spool])
    end

    # Sends one test event where events go; prints the verdict, and returns
    # true when it was delivered.
    def send_test_event
      report([test_event])
    end

    private

    def report(verdicts)
      verdicts.each do |verdict|
        label = verdict.status == :fail ? "FAIL" : verdict.status.to_s
        @out.puts("#{label.ljust(5)} #{verdict.text}")
        @out.puts("      fix: #{verdict.fix}") if verdict.fix
      end
      verdicts.none? { |verdict| verdict.status == :fail }
    end

    def ok(text) = Verdict.new(:ok, text)
    def warning(text, fix) = Verdict.new(:warn, text, fix)
    def failure(text, fix) = Verdict.new(:fail, text, fix)

    def native_extension
      unless EzlogsRubyAgent.native_loaded?
        return failure("native extension: not loaded (#{NATIVE_LOAD_ERROR.message})", NativeLoader.fix)
      end

      library = $LOADED_FEATURES.find { |path| path.end_with?("ezlogs_ruby_agent.#{RbConfig::CONFIG["DLEXT"]}") }
      built = library && File.exist?(library) ? ", built #{File.mtime(library).strftime("%Y-%m-%d %H:%M")}" : ""
      ok("native extension: loaded (#{library}#{built}), version #{VERSION}")
    end

    def configuration
      unless @config.enabled
        return failure("configuration: the agent is off (#{@config.off_switch}), nothing is recorded",
                       @config.on_again)
      end

      ok("configuration: service #{@config.service_name}, environment #{@config.environment}, " \
         "sample_rate #{@config.performance.sample_rate}, " \
         "debug output #{@config.debug_output || "off"}")
    end

    def spool
      dir = @config.delivery.spool_dir
      unless dir
        return ok("spool: off (delivery.spool_dir not set): events still undelivered at exit are lost, and counted")
      end

      FileUtils.mkdir_p(dir)
      probe = File.join(dir, ".ezlogs-doctor-#{Process.pid}")
      File.write(probe, "")
      File.delete(probe)
      ok("spool: #{dir} is writable")
    rescue SystemCallError => e
      failure("spool: #{dir} is not writable (#{e.class.name.split("::").last}: #{e.message})",
              "create it writable by the app's user, or point delivery.spool_dir elsewhere")
    end
  end
end
