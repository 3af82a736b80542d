# frozen_string_literal: true

require "rubygems/package"
require_relative "../../rakelib/cross_build"

# The precompiled gems (rake native:gem packages the core built for each
# Ruby ABI) install and work on a machine with no Rust toolchain: here,
# with no cargo or rustc on PATH.
RSpec.describe "The precompiled platform gems" do
  def without_rust(gem_home)
    { "GEM_HOME" => gem_home, "GEM_PATH" => gem_home, "PATH" => "/usr/local/bin:/usr/bin:/bin" }
  end

  # rake native:package into `dir`: the gems' paths, by platform.
  def package(dir)
    packaged = run_command(%w[rake native:package], env: { "EZLOGS_GEM_DIR" => dir })
    expect(packaged).to be_success, packaged.stdout + packaged.stderr
    packaged.stdout.lines.map(&:strip).grep(/\A#{Regexp.escape(dir)}/).to_h do |gem|
      [File.basename(gem)[/-([^-]+-linux)\.gem\z/, 1], gem]
    end
  end

  # What each library in `gem` needs of the machine: [the newest glibc
  # symbol version, the shared libraries it names], by Ruby ABI.
  def needs(gem)
    Dir.mktmpdir("ezlogs-native-gem") do |dir|
      Gem::Package.new(gem).extract_files(dir)
      EzlogsRubyAgent::NativeLibrary.built_abis("#{dir}/lib/ezlogs_ruby_agent").to_h do |abi|
        library = "#{dir}/lib/ezlogs_ruby_agent/#{abi}/ezlogs_ruby_agent.so"
        glibc = run_command(["readelf", "--dyn-syms", "-W", library]).stdout.scan(/GLIBC_([\d.]+)/).flatten
        needed = run_command(["readelf", "-d", "-W", library]).stdout.scan(/\(NEEDED\).*\[(.+)\]/).flatten
        [abi, [glibc.max_by { |version| Gem::Version.new(version) }, needed]]
      end
    end
  end

  it "installs offline without Rust, and loads this Ruby's library" do
    Dir.mktmpdir("ezlogs-native-gem") do |dir|
      gem = package(dir).fetch("x86_64-linux")
      expect(Gem::Package.new(gem).spec.platform.to_s).to eq("x86_64-linux")
      expect(Gem::Package.new(gem).spec.files.grep(/\.rs\z/)).to be_empty

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
      installed_lib = "#{gem_home}/gems/#{File.basename(gem, ".gem")}/lib/ezlogs_ruby_agent"
      expect(JSON.parse(loaded.stdout)).to eq([["#{installed_lib}/#{abi}/ezlogs_ruby_agent.so"], 1])

      # On a Ruby it has no library for (as if it carried Ruby 2.9's in
      # place of this one's), the app runs, and the warning says what to
      # install instead.
      FileUtils.mv("#{installed_lib}/#{abi}", "#{installed_lib}/2.9")
      carried = Dir["#{installed_lib}/*/ezlogs_ruby_agent.so"].map { |path| File.basename(File.dirname(path)) }.sort
      script = 'require "ezlogs_ruby_agent"; print EzlogsRubyAgent.native_loaded?'
      other_ruby = run_ruby(script, env:, load_path: [], chdir: dir)
      expect([other_ruby.success?, other_ruby.stdout]).to eq([true, "false"])
      expect(other_ruby.stderr).to include(
        "This precompiled gem carries the core for Ruby #{carried.join(" and ")}, not #{RUBY_VERSION}",
        'gem "ezlogs_ruby_agent", force_ruby_platform: true'
      )
    end
  end

  # Cross-built here against Debian's arm64 Ruby headers, then installed
  # by Bundler in Debian's arm64 Ruby of the same version, under QEMU's
  # user-mode emulator, from an app's vendor/cache holding both platform
  # gems: Bundler picks the gem by the platform its metadata names. The
  # worker thread delivers through the arm64 core.
  it "cross-built for aarch64-linux, is what Bundler installs in Debian's arm64 Ruby, and delivers an event" do
    target = CrossBuild::AARCH64
    Dir.mktmpdir("ezlogs-native-gem") do |dir|
      built = run_command(%w[rake native:cross], timeout: 900)
      expect(built).to be_success, built.stderr.lines.last(30).join
      gems = package(File.join(dir, "vendor", "cache"))
      # Both made in one process: the second once claimed the first one's platform.
      expect(gems.transform_values { |gem| Gem::Package.new(gem).spec.platform.to_s })
        .to eq("x86_64-linux" => "x86_64-linux", "aarch64-linux" => "aarch64-linux")
      # What the README promises of both: glibc 2.34 or later, and no libruby
      # (the Ruby that loads them provides its symbols).
      gems.each_value do |gem|
        needs(gem).each do |abi, (glibc, needed)|
          expect(glibc).to match(/\A2\.\d+\z/)
          expect(Gem::Version.new(glibc)).to be <= Gem::Version.new("2.34"), "#{gem} #{abi}: GLIBC_#{glibc}"
          expect(needed.grep(/ruby/)).to be_empty, "#{gem} #{abi}: #{needed}"
          expect(needed).to include("libc.so.6")
        end
      end

      File.write(File.join(dir, "Gemfile"), "source \"https://rubygems.org\"\ngem \"ezlogs_ruby_agent\"\n")
      ruby = CrossBuild.ruby(target)
      bundle = { "BUNDLE_GEMFILE" => File.join(dir, "Gemfile"), "BUNDLE_APP_CONFIG" => File.join(dir, ".bundle") }
      env = without_rust(File.join(dir, "home")).merge(bundle)
      installed = run_command([*ruby, "-S", "bundle", "install", "--local"], env:, chdir: dir, timeout: 300)
      expect(installed).to be_success, installed.stdout + installed.stderr
      expect(installed.stdout).to include("Installing ezlogs_ruby_agent #{EzlogsRubyAgent::VERSION} (aarch64-linux)")

      loaded = run_command([*ruby, "-rbundler/setup", "-e", <<~RUBY], env:, chdir: dir, timeout: 300)
        require "ezlogs_ruby_agent"
        require "json"
        EzlogsRubyAgent.configure { |c| c.delivery.endpoint = "file://#{dir}/events.jsonl" }
        EzlogsRubyAgent.log_event(event_type: "gem.installed", action: "loaded", actor: { type: "system", id: "1" },
                                  metadata: { password: "hunter2", host_cpu: RbConfig::CONFIG["host_cpu"] })
        print JSON.generate([RbConfig::CONFIG["arch"], $LOADED_FEATURES.grep(/ezlogs_ruby_agent\\.so/)])
      RUBY
      expect(loaded).to be_success, loaded.stderr
      abi = EzlogsRubyAgent::NativeLibrary::ABI
      installed_gem = "#{env["GEM_HOME"]}/gems/ezlogs_ruby_agent-#{EzlogsRubyAgent::VERSION}-aarch64-linux"
      expect(JSON.parse(loaded.stdout)).to eq(
        ["aarch64-linux-gnu", ["#{installed_gem}/lib/ezlogs_ruby_agent/#{abi}/ezlogs_ruby_agent.so"]]
      )
      events = File.readlines(File.join(dir, "events.jsonl")).map { |line| JSON.parse(line) }
      expect(events.map { |event| [event["event_type"], event["metadata"]] })
        .to eq([["gem.installed", { "password" => "[REDACTED]", "host_cpu" => "aarch64" }]])

      # Copied to this x86_64 machine (as a vendor/bundle or a Docker layer
      # from an arm64 one): the app runs, and the warning names both.
      host_env = without_rust(File.join(dir, "x86_64_home"))
      copied = run_command(%w[gem install --local --no-document --platform aarch64-linux] + [gems["aarch64-linux"]],
                           env: host_env)
      expect(copied).to be_success, copied.stderr
      loaded_here = run_ruby('require "ezlogs_ruby_agent"; print EzlogsRubyAgent.native_loaded?',
                             env: host_env, load_path: [], chdir: dir)
      expect([loaded_here.success?, loaded_here.stdout]).to eq([true, "false"])
      expect(loaded_here.stderr).to include("This precompiled gem is the aarch64-linux one, and this machine is x86_64",
                                            "`bundle lock --add-platform x86_64-linux`")
    end
  end
end
