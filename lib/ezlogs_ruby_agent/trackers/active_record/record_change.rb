# frozen_string_literal: true

module EzlogsRubyAgent
  module CallbacksTracker
    # The `data.change` event of one record.
    module RecordChange
      module_function

      def committed(record)
        return unless tracked?(record.class)

        Tracking.safely("recording data.change") do
          operation = operation_of(record)
          # A save that changed nothing still commits; it is not a change.
          next if operation == "updated" && record.saved_changes.empty?

          metadata = base_metadata(record.class)
          metadata[:changes] = record.saved_changes unless operation == "destroyed"
          metadata[:related] = related(record)
          emit(record, operation, metadata)
        end
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

      def operation_of(record)
        return "destroyed" if record.destroyed?

        record.previously_new_record? ? "created" : "updated"
      end

      # "user" for User, "admin_user" for Admin::User.
      def model_type(model)
        model.model_name.singular
      end

      def base_metadata(model)
        { model: model.name, table: model.table_name }
      end

      # The records this one belongs to, from its belongs_to foreign keys;
      # read from the row, never loaded.
      def related(record)
        record.class.reflect_on_all_associations(:belongs_to).filter_map do |reflection|
          id = record[reflection.foreign_key]
          next if id.nil?

          type = reflection.polymorphic? ? record[reflection.foreign_type].to_s : reflection.class_name
          { type: ResourceFilter.underscore(type).tr("/", "_"), id: id.to_s }
        end
      end
    end
  end
end
