# frozen_string_literal: true

module EzlogsRubyAgent
  module CallbacksTracker
    # The `data.change` event of one record, sent when its transaction
    # commits. Each save inside the transaction adds its `saved_changes`, so
    # a record created and then updated before the commit is reported once,
    # as created, with all its changes. A savepoint that rolls back takes
    # only its own saves with it.
    module RecordChange
      PENDING = :@__ezlogs_pending_change

      # The saves of a record made in one transaction (or savepoint), merged.
      PendingSave = Struct.new(:transaction, :created, :changes)

      module_function

      def saved(record)
        return unless tracked?(record.class)

        Tracking.safely("reading saved_changes") do
          saves = record.instance_variable_get(PENDING) || []
          transaction = record.class.connection.current_transaction
          unless saves.last&.transaction.equal?(transaction)
            saves << PendingSave.new(transaction, record.previously_new_record?, {})
          end
          merge_changes(saves.last.changes, record.saved_changes)
          record.instance_variable_set(PENDING, saves)
        end
      end

      # `changes` ({attribute => [before, after]}) added to `into`: the
      # earliest before, the latest after.
      def merge_changes(into, changes)
        changes.each do |attribute, (before, after)|
          earlier = into[attribute]
          into[attribute] = [earlier ? earlier.first : before, after]
        end
      end

      # Rails tells the record of a rolled-back savepoint too, while the
      # outer transaction may still commit: only the saves of transactions
      # that rolled back (a savepoint's, or all when the whole transaction
      # did) are forgotten.
      def rolled_back(record)
        saves = take_pending(record)
        return unless saves

        kept = saves.reject { |save| rolled_back?(save.transaction) }
        record.instance_variable_set(PENDING, kept) unless kept.empty? || record.frozen?
      end

      # Rolled back, or invalidated (a deadlock: Rails then skips the
      # rollback call). Unknown (not a transaction Rails tracks): as rolled
      # back.
      def rolled_back?(transaction)
        state = transaction.respond_to?(:state) ? transaction.state : nil
        state.nil? || state.rolledback? || (state.respond_to?(:invalidated?) && state.invalidated?)
      end

      def committed(record)
        saves = committed_saves(record)
        return unless tracked?(record.class)

        Tracking.safely("recording data.change") do
          operation = operation_of(record, saves)
          changes = saves.each_with_object({}) { |save, all| merge_changes(all, save.changes) }
          # A save that changed nothing still commits; it is not a change.
          next if operation == "updated" && changes.empty?

          metadata = base_metadata(record.class)
          metadata[:changes] = AppFilter.changes(changes) unless operation == "destroyed"
          metadata[:related] = RelatedRecords.of(record)
          emit(record, operation, metadata)
        end
      end

      # A destroyed record is frozen: a savepoint's rollback could not take
      # its saves away, so they are left out here.
      def committed_saves(record)
        Array(take_pending(record)).reject { |save| rolled_back?(save.transaction) }
      end

      # The saves gathered since the last commit or rollback. (A destroyed
      # record is frozen and keeps them; it is not saved again.)
      def take_pending(record)
        return unless record.instance_variable_defined?(PENDING)

        saves = record.instance_variable_get(PENDING)
        record.remove_instance_variable(PENDING) unless record.frozen?
        saves
      rescue StandardError
        nil
      end

      def validation_failed(record)
        return unless tracked?(record.class)

        Tracking.safely("recording data.change") do
          metadata = base_metadata(record.class)
          metadata[:errors] = record.errors.to_hash
          metadata[:new_record] = record.new_record?
          emit(record, "validation_failed", metadata)
        end
      end

      # Rails' own bookkeeping tables (schema_migrations,
      # ar_internal_metadata) are not the app's data.
      def tracked?(model)
        name = model.name.to_s
        Tracking.enabled?(:active_record) && !name.start_with?("ActiveRecord::") && ResourceFilter.track_name?(name)
      rescue StandardError
        false
      end

      def emit(record, operation, metadata)
        type = Tracking.model_type(record.class)
        Tracking.record("data.change", "#{type}.#{operation}", actor: ActorExtractor.extract(record),
                                                               subject: { type:, id: record.id&.to_s }.compact,
                                                               metadata:)
      end

      def operation_of(record, saves)
        return "destroyed" if record.destroyed?

        saves.first&.created ? "created" : "updated"
      end

      def base_metadata(model)
        { model: model.name, table: model.table_name }
      end
    end
  end
end
