# frozen_string_literal: true

require "open3"
require "rbconfig"

module Soak
  # Core files a child (or a process it forked) left in its directory
  # (kernel.core_pattern is `core` here: cores land in the process's cwd),
  # each with `gdb -batch -ex "thread apply all bt"`'s backtrace, written
  # beside it as <core>.backtrace.txt. The first few cores are kept; the
  # others are deleted once their backtrace is taken (a Ruby core is about
  # 70 MB).
  module Cores
    KEEP = 3
    GDB_TIMEOUT = 180
    RUBY = File.realpath(RbConfig.ruby)

    @lock = Mutex.new
    @kept = 0

    class << self
      # [{path:, backtrace:}]
      def collect(dir)
        Dir.glob(File.join(dir, "**", "core{,.[0-9]*}")).select { |path| File.file?(path) }.map do |path|
          backtrace = @lock.synchronize { backtrace(path) }
          File.write("#{path}.backtrace.txt", backtrace)
          keep = @lock.synchronize { (@kept += 1) <= KEEP }
          File.delete(path) unless keep
          { path: keep ? path : "#{path} (deleted; backtrace kept)", backtrace: }
        end
      end

      private

      def backtrace(core)
        out, status = Open3.capture2e("timeout", GDB_TIMEOUT.to_s, "gdb", "-batch", "-nx",
                                      "-ex", "set pagination off", "-ex", "thread apply all bt", RUBY, core)
        out = out.lines.grep_v(/\Awarning: Section `.reg-xstate/).join
        status.success? ? out : "#{out}\n(gdb: #{status})"
      rescue SystemCallError => e
        "no backtrace: #{e.message} (is gdb installed?)"
      end
    end
  end
end
