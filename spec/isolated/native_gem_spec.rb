# frozen_string_literal: true

require_relative "../../rakelib/cross_build"

# The precompiled gems (rake native:gem packages the core built for each
# Ruby ABI) install and work on a machine with no Rust toolchain: here,
# with no cargo or rustc on PATH.
RSpec.describe "The precompiled platform gems" do
  def without_rust(gem_home)
    { "GEM_HOME" => gem_home, "GEM_PATH" => gem_home, "PATH" => "/usr/local/bin:/usr/bin:/bin" }
  end

  it "installs offline without Rust, and loads this Ruby's library" do
    Dir.mktmpdir("ezlogs-native-gem") do |dir|
      packaged = run_command(%w[rake native:package], env: { "EZLOGS_GEM_DIR" => dir })
      expect(packaged).to be_success, packaged.stdout + packaged.stderr
      gem = packaged.stdout.lines.last.strip
      expect(File.basename(gem)).to match(/\Aezlogs_ruby_agent-[\d.]+-x86_64-linux\.gem\z/)

      gem_home = File.join(dir, "home")
      env = without_rust(gem_home)
      expect(run_command(%w[sh -c] + ["command -v cargo || command -v rustc"], env:)).not_to be_success

      installed = run_command(%w[gem install --local --no-document] + [gem], env:)
      expect(installed).to be_success, installed.stdout + installed.stderr
      loaded = run_ruby(<<~RUBY, env:, load_path: [], chdir: dir)
        require "ezlogs_ruby_agent"
        EzlogsRubyAgent.test_mode do
          EzlogsRubyAgent.log_event(event_type: "gem.installed", action: "loaded", actor: { type: "system", id: 1 })
          print JSON.generate([$LOADED_FEATURES.grep(/ezlogs_ruby_agent\\.so/), EzlogsRubyAgent.captured_events.size])
        end
      RUBY
      expect(loaded).to be_success, loaded.stderr
      abi = EzlogsRubyAgent::NativeLibrary::ABI
      expect(JSON.parse(loaded.stdout)).to eq(
        [["#{gem_home}/gems/#{File.basename(gem, ".gem")}/lib/ezlogs_ruby_agent/#{abi}/ezlogs_ruby_agent.so"], 1]
      )
    end
  end

  # Cross-built here against Debian's arm64 Ruby headers, then installed
  # and run by Debian's arm64 Ruby of the same version, under QEMU's
  # user-mode emulator: the worker thread delivers through the arm64 core.
  it "cross-built for aarch64-linux, installs in Debian's arm64 Ruby and delivers a redacted event" do
    target = CrossBuild::AARCH64
    Dir.mktmpdir("ezlogs-native-gem") do |dir|
      built = run_command(%w[rake native:cross], timeout: 900)
      expect(built).to be_success, built.stderr.lines.last(30).join
      packaged = run_command(["rake", "native:package[#{target.platform}]"], env: { "EZLOGS_GEM_DIR" => dir })
      expect(packaged).to be_success, packaged.stdout + packaged.stderr
      gem = packaged.stdout.lines.last.strip
      expect(File.basename(gem)).to match(/\Aezlogs_ruby_agent-[\d.]+-aarch64-linux\.gem\z/)

      ruby = CrossBuild.ruby(target)
      env = without_rust(File.join(dir, "home"))
      gem_command = ["-rrubygems/gem_runner", "-e", "Gem::GemRunner.new.run(ARGV)", "--"]
      installed = run_command([*ruby, *gem_command, "install", "--local", "--no-document", gem], env:, timeout: 300)
      expect(installed).to be_success, installed.stdout + installed.stderr

      loaded = run_command([*ruby, "-e", <<~RUBY], env:, chdir: dir, timeout: 300)
        require "ezlogs_ruby_agent"
        require "json"
        EzlogsRubyAgent.configure { |c| c.delivery.endpoint = "file://#{dir}/events.jsonl" }
        EzlogsRubyAgent.log_event(event_type: "gem.installed", action: "loaded", actor: { type: "system", id: "1" },
                                  metadata: { password: "hunter2", host_cpu: RbConfig::CONFIG["host_cpu"] })
        print JSON.generate([RbConfig::CONFIG["arch"], $LOADED_FEATURES.grep(/ezlogs_ruby_agent\\.so/)])
      RUBY
      expect(loaded).to be_success, loaded.stderr
      abi = EzlogsRubyAgent::NativeLibrary::ABI
      expect(JSON.parse(loaded.stdout)).to eq(
        ["aarch64-linux-gnu",
         ["#{env["GEM_HOME"]}/gems/#{File.basename(gem, ".gem")}/lib/ezlogs_ruby_agent/#{abi}/ezlogs_ruby_agent.so"]]
      )
      events = File.readlines(File.join(dir, "events.jsonl")).map { |line| JSON.parse(line) }
      expect(events.map { |event| [event["event_type"], event["metadata"]] })
        .to eq([["gem.installed", { "password" => "[REDACTED]", "host_cpu" => "aarch64" }]])
    end
  end
end
