# frozen_string_literal: true

module EzlogsRubyAgent
  module CallbacksTracker
    # The `data.change` event of one record: the net change one committed
    # transaction made to it. Each save inside the transaction adds its
    # `saved_changes` (read by SavedChanges), so a record created and then
    # updated before the commit is reported once, as created, with all its
    # changes; a record that existed before and is destroyed is reported as
    # destroyed; and a record created and destroyed in one transaction,
    # which no one outside it saw, is not reported. A savepoint that rolls
    # back takes only its own saves with it. (TransactionHooks says when a
    # transaction ended; PendingSaves keeps the saves until then.)
    module RecordChange
      @rails_tells_rows = nil

      module_function

      def saved(record)
        return unless tracked?(record.class)

        Tracking.safely("reading saved_changes") do
          PendingSaves.merge_changes(PendingSaves.current(record, created: record.previously_new_record?).changes,
                                     SavedChanges.of(record))
        end
      end

      # Kept with the saves, rather than read from `destroyed?` at commit:
      # Rails leaves a record destroyed when a savepoint takes its destroy
      # back (it restores a record's state only when its outermost
      # transaction rolls back), and the row is still there.
      def destroyed(record)
        return unless tracked?(record.class)

        Tracking.safely("noting a destroy") { PendingSaves.current(record, created: false).destroyed = true }
      end

      # Rails tells the record of a rolled-back savepoint too, while the
      # outer transaction may still commit: only the saves of transactions
      # that rolled back (a savepoint's, or all when the whole transaction
      # did) are forgotten.
      def rolled_back(record)
        forget_notes(record)
        kept = PendingSaves.take_surviving(record)
        PendingSaves.start(record, kept) unless kept.empty?
      rescue *FAILURES => e
        ProblemReporter.internal(e, "forgetting rolled-back saves")
      end

      # (Saves are kept only for a model `tracked?` as it saved.)
      def committed(record)
        forget_notes(record)
        saves = PendingSaves.take_surviving(record)
        return if saves.empty? || !Tracking.enabled?(:active_record)

        Tracking.safely("recording data.change") do
          changes = saves.each_with_object({}) { |save, all| PendingSaves.merge_changes(all, save.changes) }
          operation = operation_of(saves, changes) if changed_rows?(record)
          emit(record, operation, change_metadata(record, operation, changes)) if operation
        end
      end

      # What the hooks noted for a save of the transaction that ended
      # (its state, the columns written) lives no longer than it.
      def forget_notes(record)
        PendingSaves.forget_transaction(record)
        SavedChanges.take(record)
      end

      def change_metadata(record, operation, changes)
        metadata = base_metadata(record.class)
        metadata[:changes] = ModelFilters.filtered_changes(record.class, changes) unless operation == "destroyed"
        metadata[:related] = RelatedRecords.of(record)
        metadata
      end

      def validation_failed(record)
        return unless tracked?(record.class)

        Tracking.safely("recording data.change") do
          metadata = base_metadata(record.class)
          metadata[:errors] = ModelFilters.errors(record)
          metadata[:new_record] = record.new_record?
          emit(record, "validation_failed", metadata)
        end
      end

      # Tables a framework keeps for its own work are not the app's data:
      # Rails' bookkeeping (schema_migrations, ar_internal_metadata), and
      # the rows of job queues, caches and cable messages kept in the
      # database. A queue's row holds its job's serialized arguments, which
      # `log_arguments = false` or a filter kept out of the job's events;
      # the jobs themselves are recorded as jobs.
      FRAMEWORK_MODELS = %w[ActiveRecord:: Delayed:: GoodJob:: SolidQueue:: SolidCache:: SolidCable:: Que::].freeze

      def tracked?(model)
        name = model.name.to_s
        Tracking.enabled?(:active_record) && !name.start_with?(*FRAMEWORK_MODELS) && ResourceFilter.track_name?(name)
      rescue *FAILURES
        false
      end

      def emit(record, operation, metadata)
        type = Tracking.model_type(record.class)
        Tracking.record("data.change", "#{type}.#{operation}", actor: ActorExtractor.extract(record),
                                                               subject: { type:, id: record.id&.to_s }.compact,
                                                               metadata:)
      end

      # Nil for a record that did not change the database as Rails saw it
      # (an update or destroy that touched no row: Rails runs no commit
      # callback for it either), for one created and destroyed in the same
      # transaction, and for saves that changed nothing.
      def operation_of(saves, changes)
        created = saves.first&.created
        if saves.any?(&:destroyed) then "destroyed" unless created
        elsif created then "created"
        elsif changes.any? then "updated"
        end
      end

      # (Whether Rails tells, `trigger_transactional_callbacks?` from 6.0,
      # is asked once, as for ModelFilters.)
      def changed_rows?(record)
        if @rails_tells_rows.nil?
          @rails_tells_rows = ::ActiveRecord::Base.method_defined?(:trigger_transactional_callbacks?)
        end
        !@rails_tells_rows || record.trigger_transactional_callbacks?
      end

      def base_metadata(model)
        { model: model.name, table: model.table_name }
      end
    end
  end
end
