# frozen_string_literal: true

# Putting a new build of the library in place (`rake compile`, run by
# bin/setup, bin/demo and bin/test) must not disturb processes that already
# loaded the old one. They have the file mapped: written over in place, its
# code changes under them and they crash within seconds.
RSpec.describe "Installing a new build of the library" do
  let(:dir) { Dir.mktmpdir("ezlogs-install") }
  let(:lib) { File.join(dir, "lib") }
  let(:library) { EzlogsRubyAgent::NativeLibrary.path(lib) }

  before { FileUtils.cp_r(File.join(Subprocess::ROOT, "lib"), dir) }
  after { FileUtils.rm_rf(dir) }

  # The step `rake compile` uses, run as its own process.
  def install(built)
    run_command([RbConfig.ruby, "-rrake", "-e", "load 'Rakefile'; install_library(*ARGV)", built, library])
  end

  def wait_for(path)
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 30
    sleep 0.05 until File.exist?(path) || Process.clock_gettime(Process::CLOCK_MONOTONIC) > deadline
  end

  it "leaves running processes intact: they keep logging and exit 0" do
    ready = File.join(dir, "ready")
    go = File.join(dir, "go")
    # The worker thread wakes every 0.2 s, running the library's code.
    script = agent_script(<<~CONFIGURE, <<~RUBY)
      c.delivery.endpoint = "file://#{dir}/events.jsonl"
      c.delivery.flush_interval = 0.2
    CONFIGURE
      100.times { |i| emit(i) }
      EzlogsRubyAgent.flush(timeout: 5)
      File.write(#{ready.inspect}, "")
      sleep 0.05 until File.exist?(#{go.inspect})
      100.times { |i| emit(i) }
      print EzlogsRubyAgent.flush(timeout: 5)
    RUBY
    child = Thread.new { run_ruby(script, load_path: [lib]) }
    wait_for(ready)

    # A different build: the same library with a byte more, so it is
    # really replaced.
    rebuilt = File.join(dir, "rebuilt.so")
    File.binwrite(rebuilt, "#{File.binread(library)}\0")
    installed = install(rebuilt)
    expect(installed).to be_success, installed.stderr
    expect(File.binread(library)).to eq(File.binread(rebuilt))
    sleep 2 # the crash, when there was one, came within this
    File.write(go, "")

    result = child.value
    expect(result.stderr).not_to include("[BUG]")
    expect(result).to be_success, result.stderr
    expect(result.stdout).to eq("true")
    expect(File.readlines(File.join(dir, "events.jsonl")).size).to eq(200)
    expect(Dir.children(lib).grep(/\.tmp\z/)).to be_empty
  end

  # Every `rake compile` after the first finds the same build in place
  # (bin/test compiles after bin/setup did): it must leave the file as it
  # is, keep its inode, and succeed.
  it "leaves an identical build in place and succeeds" do
    inode = File.stat(library).ino
    built = File.join(dir, "same.so")
    FileUtils.cp(library, built)

    installed = install(built)
    expect(installed).to be_success, installed.stderr
    expect(File.stat(library).ino).to eq(inode)
    expect(Dir.children(lib).grep(/\.tmp\z/)).to be_empty
  end
end
