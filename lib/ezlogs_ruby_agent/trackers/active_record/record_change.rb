# frozen_string_literal: true

module EzlogsRubyAgent
  module CallbacksTracker
    # The `data.change` event of one record, sent when its transaction
    # commits. Each save inside the transaction adds its `saved_changes`, so
    # a record created and then updated before the commit is reported once,
    # as created, with all its changes.
    module RecordChange
      PENDING = :@__ezlogs_pending_change

      module_function

      def saved(record)
        return unless tracked?(record.class)

        Tracking.safely("reading saved_changes") do
          pending = record.instance_variable_get(PENDING) || { created: record.previously_new_record?, changes: {} }
          record.saved_changes.each do |attribute, (before, after)|
            earlier = pending[:changes][attribute]
            pending[:changes][attribute] = [earlier ? earlier.first : before, after]
          end
          record.instance_variable_set(PENDING, pending)
        end
      end

      def rolled_back(record)
        take_pending(record)
      end

      def committed(record)
        pending = take_pending(record)
        return unless tracked?(record.class)

        Tracking.safely("recording data.change") do
          operation = operation_of(record, pending)
          # A save that changed nothing still commits; it is not a change.
          next if operation == "updated" && (pending.nil? || pending[:changes].empty?)

          metadata = base_metadata(record.class)
          metadata[:changes] = pending[:changes] if pending && operation != "destroyed"
          metadata[:related] = related(record)
          emit(record, operation, metadata)
        end
      end

      # The changes gathered since the last commit or rollback. (A destroyed
      # record is frozen and keeps them; it is not saved again.)
      def take_pending(record)
        return unless record.instance_variable_defined?(PENDING)

        pending = record.instance_variable_get(PENDING)
        record.remove_instance_variable(PENDING) unless record.frozen?
        pending
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
        Tracking.record("data.change", "#{model_type(record.class)}.#{operation}",
                        actor: ActorExtractor.extract(record),
                        subject: { type: model_type(record.class), id: record.id&.to_s }.compact,
                        metadata:)
      end

      def operation_of(record, pending)
        return "destroyed" if record.destroyed?

        pending && pending[:created] ? "created" : "updated"
      end

      # "user" for User, "admin_user" for Admin::User.
      def model_type(model)
        model.model_name.singular
      end

      def base_metadata(model)
        { model: model.name, table: model.table_name }
      end

      # The records this one belongs to, from its belongs_to foreign keys;
      # read from the row, never loaded (and skipped when a partial select
      # left the key out).
      def related(record)
        record.class.reflect_on_all_associations(:belongs_to).filter_map do |reflection|
          next unless record.has_attribute?(reflection.foreign_key)

          id = record[reflection.foreign_key]
          next if id.nil?

          type = reflection.polymorphic? ? record[reflection.foreign_type].to_s : reflection.class_name
          { type: ResourceFilter.underscore(type).tr("/", "_"), id: id.to_s }
        end
      end
    end
  end
end
