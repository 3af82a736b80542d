# frozen_string_literal: true

# The agent's lib that a bench was given, for the child processes it runs
# under valgrind: `ruby -I../other/lib benches/trackers.rb` sets another
# build against this one, and the children must load that build too. This
# checkout's lib when none was given.
module AgentLib
  def self.dir
    given = $LOAD_PATH.map { |dir| File.expand_path(dir) }
                      .find { |dir| File.file?(File.join(dir, "ezlogs_ruby_agent.rb")) }
    given || File.expand_path("../../lib", __dir__)
  end
end
