# frozen_string_literal: true

# The first requests, contexts and events of a process, made by several
# threads at once, as a Puma worker's threads do on their first requests.
# Each example runs in a process of its own: what it guards against is a
# hang, which would otherwise stop the suite.
RSpec.describe "The agent's first use from several threads at once" do
  # Ruby's const_get, made slow for the agent's classes, as a timer's
  # thread switch makes it now and then: the native classes' lookups must
  # not wait on one another. `first_use` runs in four threads at once.
  def run_first_use(first_use)
    run_ruby(<<~RUBY, timeout: 30)
      require "ezlogs_ruby_agent"
      require "rack"
      EzlogsRubyAgent.configure { |c| c.delivery.endpoint = "file:///dev/null" }
      Object.singleton_class.prepend(Module.new do
        def const_get(name, *)
          sleep 0.05 if name.to_s.start_with?("EzlogsRubyAgent")
          super
        end
      end)
      threads = 4.times.map { |i| Thread.new { #{first_use} } }
      puts threads.map { |thread| thread.value.class }.join(",")
    RUBY
  end

  {
    "tracks their first requests" =>
      'EzlogsRubyAgent::HttpTracker.new(->(_env) { [200, {}, ["ok"]] }).call(Rack::MockRequest.env_for("/r" + i.to_s))',
    "starts their first contexts" => 'EzlogsRubyAgent.start_flow("import", i)',
    "makes their first events" =>
      'EzlogsRubyAgent::UniversalEvent.new(event_type: "a.b", action: "made", actor: { type: "user", id: i })'
  }.each do |name, first_use|
    it "#{name} without waiting on one another" do
      result = run_first_use(first_use)

      expect(result.status.signaled?).to be(false), "the process hung and was killed: #{result.stderr}"
      expect(result.stderr).to eq("")
      expect(result.stdout.chomp.split(",").size).to eq(4)
    end
  end
end
