# frozen_string_literal: true

# The gem installs the way users install gems: built from the gemspec and
# installed offline, compiling the Rust core, then loaded from elsewhere.
RSpec.describe "Installing the gem" do
  it "builds, installs offline and loads from outside the repository" do
    Dir.mktmpdir("ezlogs-gem") do |dir|
      gem_home = File.join(dir, "home")
      env = { "GEM_HOME" => gem_home, "GEM_PATH" => gem_home }

      built = run_command(%w[gem build ezlogs_ruby_agent.gemspec --output] + [File.join(dir, "agent.gem")])
      expect(built).to be_success, built.stderr

      installed = run_command(%w[gem install --local --no-document] + [File.join(dir, "agent.gem")], env:,
                                                                                                     timeout: 600)
      expect(installed).to be_success, installed.stdout + installed.stderr

      loaded = run_ruby(<<~RUBY, env:, load_path: [], chdir: dir)
        require "ezlogs_ruby_agent"
        EzlogsRubyAgent.test_mode do
          EzlogsRubyAgent.log_event(event_type: "gem.installed", action: "loaded", actor: { type: "system", id: 1 })
          print [$LOADED_FEATURES.grep(/ezlogs_ruby_agent\\.so/).first, EzlogsRubyAgent.captured_events.size].inspect
        end
      RUBY
      expect(loaded).to be_success, loaded.stderr
      library, captured = eval(loaded.stdout) # rubocop:disable Security/Eval
      expect(library).to start_with(gem_home)
      expect(captured).to eq(1)
    end
  end
end
