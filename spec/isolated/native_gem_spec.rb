# frozen_string_literal: true

# The precompiled gem (rake native:gem packages the core built for each
# Ruby ABI) installs and works on a machine with no Rust toolchain: here,
# with no cargo or rustc on PATH.
RSpec.describe "The precompiled platform gem" do
  it "installs offline without Rust, and loads this Ruby's library" do
    Dir.mktmpdir("ezlogs-native-gem") do |dir|
      packaged = run_command(%w[rake native:package], env: { "EZLOGS_GEM_DIR" => dir })
      expect(packaged).to be_success, packaged.stdout + packaged.stderr
      gem = packaged.stdout.lines.last.strip
      expect(File.basename(gem)).to match(/\Aezlogs_ruby_agent-[\d.]+-x86_64-linux\.gem\z/)

      gem_home = File.join(dir, "home")
      env = { "GEM_HOME" => gem_home, "GEM_PATH" => gem_home, "PATH" => "/usr/local/bin:/usr/bin:/bin" }
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
end
