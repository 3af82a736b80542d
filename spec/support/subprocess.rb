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

  def run_ruby(script, env: {}, load_path: ["#{ROOT}/lib"], chdir: ROOT, timeout: 60)
    args = load_path.flat_map { |dir| ["-I", dir] }
    stdout, stderr, status = Open3.capture3(env, "timeout", timeout.to_s, RbConfig.ruby, *args, "-e", script,
                                            chdir: chdir)
    Result.new(stdout: stdout, stderr: stderr, status: status)
  end
end
