# frozen_string_literal: true

module EzlogsRubyAgent
  module CallbacksTracker
    # What a record object saved (and whether it destroyed itself) since its
    # transaction began, per transaction or savepoint, kept on the record
    # until RecordChange hears that the transaction ended. The saves belong
    # to the object that made them: `dup` and `clone` copy instance
    # variables, and a copy's saves must not join the original's.
    module PendingSaves
      IVAR = :@__ezlogs_pending_change

      Pending = Struct.new(:record, :saves)
      # The saves (and destroy) of a record made in one transaction (or
      # savepoint), merged.
      Save = Struct.new(:transaction, :created, :changes, :destroyed)

      module_function

      # The record's Save for the current transaction, added when this is
      # its first save there.
      def current(record, created:)
        saves = own(record) || start(record, [])
        transaction = record.class.connection.current_transaction
        saves << Save.new(transaction, created, {}, false) unless saves.last&.transaction.equal?(transaction)
        saves.last
      end

      # The record's saves, taken (a transaction that ends starts the record
      # afresh), less those of transactions that rolled back.
      def take_surviving(record)
        take(record).reject { |save| rolled_back?(save.transaction) }
      end

      # `saves` made the record's own; returns them.
      def start(record, saves)
        record.instance_variable_set(IVAR, Pending.new(record, saves))
        saves
      end

      # `changes` ({attribute => [before, after]}) added to `into`: the
      # earliest before, the latest after.
      def merge_changes(into, changes)
        changes.each do |attribute, (before, after)|
          earlier = into[attribute]
          into[attribute] = [earlier ? earlier.first : before, after]
        end
      end

      # Rolled back, or invalidated (a deadlock: Rails then skips the
      # rollback call). Unknown (not a transaction Rails tracks): as rolled
      # back.
      def rolled_back?(transaction)
        state = transaction.respond_to?(:state) ? transaction.state : nil
        state.nil? || state.rolledback? || (state.respond_to?(:invalidated?) && state.invalidated?)
      end

      def take(record)
        saves = own(record)
        record.remove_instance_variable(IVAR) if record.instance_variable_defined?(IVAR)
        saves || []
      rescue StandardError
        []
      end

      def own(record)
        pending = record.instance_variable_get(IVAR)
        pending.saves if pending&.record.equal?(record)
      end
    end
  end
end
