# frozen_string_literal: true

module EzlogsRubyAgent
  module Testing
    # What a failed `have_logged_event` / `assert_logged_event` adds when
    # no event has the type asked for: that jobs were enqueued and none ran
    # (Rails' test adapter keeps them queued), that records wait for a
    # transaction of the test's own to commit, or the captured type the
    # one asked for is a misspelling of.
    class TypeHint
      # The types of the events of a job's run (`deliver_later`'s too).
      RUN_BY_A_JOB = %w[job.execution mail.delivery].freeze
      UNCOMMITTED = " A database transaction of the test's own is open: a record's change is reported when its " \
                    "transaction commits, as after_commit runs (Rails' transactional tests are seen through)."

      # `event_type`: the type asked for (a String; anything else, such as
      # a Regexp, gets no hint).
      def initialize(event_type)
        @type = event_type
      end

      # The hint for `events`, none of which has the type; "" when there is
      # nothing to say.
      def hint(events)
        return "" unless @type.is_a?(String)

        types = events.map { |event| event[:event_type] }
        return not_run(types.count("job.enqueue")) if queued_only?(types)

        waiting = uncommitted
        return waiting unless waiting.empty?

        near = misspelt(types.uniq)
        near ? " No event has that type: did you mean #{near.inspect}?" : ""
      end

      # That a record's change waits for a transaction of the test's own
      # to commit, when `data.change` is asked for and one is open
      # (also when other changes were captured); "" otherwise.
      def uncommitted
        @type == "data.change" && open_transaction? ? UNCOMMITTED : ""
      end

      private

      # A job's events were asked for, jobs were enqueued, and none ran.
      def queued_only?(types)
        RUN_BY_A_JOB.include?(@type) && types.include?("job.enqueue") && !types.include?("job.execution")
      end

      # A transaction the records would join is open on this thread's
      # connection (none is checked out for asking). Rails' transactional
      # tests hold one that is not joinable: records commit inside it.
      def open_transaction?
        connection = defined?(::ActiveRecord::Base) && ::ActiveRecord::Base.connection_pool.active_connection?
        connection ? connection.current_transaction.joinable? : false
      rescue *FAILURES
        false
      end

      def not_run(queued)
        " #{queued} job#{"s" if queued > 1} #{queued > 1 ? "were" : "was"} enqueued, and none ran: Rails' test " \
          "adapter keeps jobs queued; run them with perform_enqueued_jobs { ... } (ActiveJob::TestHelper), " \
          "or Sidekiq::Worker.drain_all under Sidekiq::Testing.fake!."
      end

      def misspelt(types)
        return unless defined?(DidYouMean::SpellChecker)

        DidYouMean::SpellChecker.new(dictionary: types).correct(@type).first
      end
    end
  end
end
