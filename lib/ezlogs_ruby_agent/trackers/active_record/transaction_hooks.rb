# frozen_string_literal: true

module EzlogsRubyAgent
  module CallbacksTracker
    # Where the agent learns that a record's transaction ended. Rails tells
    # each record of a transaction that it committed or rolled back
    # (`committed!`, `rolledback!`), and only then runs the app's
    # `after_commit` / `after_rollback` callbacks, if it runs them at all. The
    # agent listens here, before them, rather than through a callback of its
    # own among the app's: an app callback that raises makes Rails skip the
    # callbacks after it and those of the transaction's other records, and one
    # that saves the record again commits a second transaction in the middle
    # of the first one's callbacks.
    module TransactionHooks
      def committed!(*, **)
        RecordChange.committed(self)
        super
      end

      def rolledback!(*, **)
        RecordChange.rolled_back(self)
        super
      end

      private

      # Rails holds the records of a transaction only weakly unless their
      # model has transactional callbacks, and a record the app let go of
      # before the commit is then never told. The agent reports every
      # model's commits, so every record is held until its transaction ends.
      def has_transactional_callbacks? # rubocop:disable Naming/PredicateName -- ActiveRecord's name
        true
      end
    end
  end
end
