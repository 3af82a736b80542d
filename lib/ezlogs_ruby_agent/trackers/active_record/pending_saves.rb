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
      TRANSACTION_IVAR = :@__ezlogs_transaction_state

      Pending = Struct.new(:record, :saves)
      # The saves (and destroy) of a record made in one transaction (or
      # savepoint), merged; the transaction is known by its state
      # (ActiveRecord::ConnectionAdapters::TransactionState), one per
      # transaction.
      Save = Struct.new(:transaction_state, :created, :changes, :destroyed)

      # Rails adds a record to the current transaction as each save,
      # destroy or touch begins (`add_transaction_record`, on the
      # connection): the transaction's state is noted on the record there,
      # where the connection is at hand. Asking for the connection again in
      # the callback costs some 60 calls (Rails resolves it by role and
      # shard). The note is forgotten when the record's transaction ends
      # (TransactionHooks).
      module TransactionRecord
        def add_transaction_record(record, *)
          super.tap { PendingSaves.note_transaction(record, current_transaction) }
        end
      end

      module_function

      # Anything may be added to a transaction (it needs only the
      # callbacks Rails calls): nothing here may raise into Rails.
      # (None for a state of nil, Rails' NullTransaction's: a note is never
      # nil, so that `take_note` can tell it from no note.)
      def note_transaction(record, transaction)
        state = transaction.state
        record.instance_variable_set(TRANSACTION_IVAR, state) if state
      rescue *FAILURES # a frozen object
        nil
      end

      def forget_transaction(record)
        take_note(record, TRANSACTION_IVAR)
      end

      # The value the agent noted on the record under `ivar`, removed from
      # it; nil when there is none (or the record will not let go of it).
      def take_note(record, ivar)
        note = record.instance_variable_get(ivar)
        record.remove_instance_variable(ivar) unless note.nil?
        note
      rescue *FAILURES
        nil
      end

      # The record's Save for the current transaction, added when this is
      # its first save there.
      def current(record, created:)
        saves = own(record) || start(record, [])
        state = transaction_state(record)
        saves << Save.new(state, created, {}, false) unless saves.last&.transaction_state.equal?(state)
        saves.last
      end

      # The record's saves, taken (a transaction that ends starts the record
      # afresh), less those of transactions that rolled back.
      def take_surviving(record)
        take(record).reject { |save| rolled_back?(save.transaction_state) }
      end

      # The state of the transaction the record's save or destroy runs in,
      # as TransactionRecord noted it, else asked of the connection. A
      # noted transaction that has ended is not this one: the app's
      # after_update added the record to a savepoint of its own since.
      def transaction_state(record)
        noted = take_note(record, TRANSACTION_IVAR)
        noted && !noted.finalized? ? noted : record.class.connection.current_transaction.state
      end

      # `saves` made the record's own; returns them.
      def start(record, saves)
        record.instance_variable_set(IVAR, Pending.new(record, saves))
        saves
      end

      # `changes` ({attribute => [before, after]}) added to `into`: the
      # earliest before, the latest after; an attribute that ends where it
      # started made no change and leaves. (Most records save once a
      # transaction: their changes are taken whole, in one call.)
      def merge_changes(into, changes)
        return into.replace(changes) if into.empty?

        changes.each do |attribute, (before, after)|
          earlier = into[attribute]
          if earlier.nil?
            into[attribute] = [before, after]
          elsif earlier.first == after
            into.delete(attribute)
          else
            into[attribute] = [earlier.first, after]
          end
        end
      end

      # Rolled back, or invalidated (a deadlock: Rails then skips the
      # rollback call). Unknown (no transaction Rails tracks): as rolled
      # back.
      def rolled_back?(state)
        state.nil? || state.rolledback? || (state.respond_to?(:invalidated?) && state.invalidated?)
      end

      def take(record)
        saves = own(record)
        take_note(record, IVAR)
        saves || []
      rescue *FAILURES
        []
      end

      def own(record)
        pending = record.instance_variable_get(IVAR)
        pending.saves if pending&.record.equal?(record)
      end
    end
  end
end
