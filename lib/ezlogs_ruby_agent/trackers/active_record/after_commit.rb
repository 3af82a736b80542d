# frozen_string_literal: true

module EzlogsRubyAgent
  module CallbacksTracker
    # Runs a block when the connection's current transaction commits, and
    # drops it if the transaction rolls back; outside a transaction, runs it
    # at once. It joins the transaction the way a record does, through the
    # interface ActiveRecord's transactions call on their records.
    class AfterCommit
      def self.run(connection, &block)
        return block.call unless connection.transaction_open?

        connection.add_transaction_record(new(block))
      end

      def initialize(block)
        @block = block
      end

      def committed!(*, **)
        @block.call
      end

      def rolledback!(*, **); end

      def before_committed!(*); end

      def trigger_transactional_callbacks?
        true
      end

      def has_transactional_callbacks? # rubocop:disable Naming/PredicateName -- ActiveRecord's name
        true
      end
    end
  end
end
