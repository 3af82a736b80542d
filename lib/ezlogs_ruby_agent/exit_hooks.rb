# frozen_string_literal: true

module EzlogsRubyAgent
  # The process's exit: queued events get one bounded chance to go
  # (`delivery.shutdown_timeout` for the whole exit, with no retry waits,
  # and none at all when the collector cannot be reached), and what does
  # not go is written to the spool when there is one, counted, and reported
  # on stderr. The native core also registers a C `atexit` handler, which
  # runs after every Ruby `at_exit` block: events logged in blocks that run
  # after this one (registered before the gem loaded, like
  # `minitest/autorun`'s) go within what is left of the budget.
  module ExitHooks
    # `exit!` skips `at_exit`: forked job workers (Resque) end with it.
    # The process exits however the flush ends (a Ctrl-C during it too):
    # a forked child that went on would run its parent's code.
    module ExitBang
      def exit!(...)
        ExitHooks.flush_before_exit
      ensure
        super
      end
    end

    # Kernel#exit! is private; the hook keeps it so.
    module PrivateExitBang
      include ExitBang
      private :exit!
    end

    # `Process.daemon` forks, and the parent leaves at once with `_exit`,
    # taking its queue with it: send that first. A daemon that fails (an
    # exception) goes back to normal delivery.
    module Daemon
      def daemon(...)
        ExitHooks.flush_before_exit
        super
      rescue Exception # rubocop:disable Lint/RescueException -- re-raised untouched
        Native.exit_cancelled
        raise
      end
    end

    module_function

    def install
      return if @installed

      @installed = true
      at_exit { flush_before_exit }
      Kernel.prepend(PrivateExitBang)
      Kernel.singleton_class.prepend(ExitBang)
      Process.singleton_class.prepend(ExitBang, Daemon)
    end

    def flush_before_exit
      Native.flush_before_exit(EzlogsRubyAgent.config.delivery.shutdown_timeout.to_f)
    rescue *FAILURES => e
      ProblemReporter.internal(e, "the flush before exit")
    end
  end
end
