# frozen_string_literal: true

module EzlogsRubyAgent
  module CallbacksTracker
    # The `related` list of a `data.change`: `{type:, id:}` of each record
    # the changed one belongs to, named as those records' own events name
    # them.
    module RelatedRecords
      module_function

      # The records this one belongs to, from its belongs_to foreign keys;
      # read from the row, never loaded (and skipped when a partial select
      # left the key out).
      def of(record)
        record.class.reflect_on_all_associations(:belongs_to).filter_map do |reflection|
          id = column(record, reflection.foreign_key)
          type = related_type(record, reflection) unless id.nil?
          { type:, id: id.to_s } unless type.to_s.empty?
        end
      end

      # Named after the related class as Rails resolves it: `class_name` is
      # relative to the model's namespace; a polymorphic type column holds
      # the full name.
      def related_type(record, reflection)
        return Tracking.model_type(reflection.klass) unless reflection.polymorphic?

        name = column(record, reflection.foreign_type).to_s
        model = name.empty? ? nil : name.safe_constantize
        model ? Tracking.model_type(model) : Tracking.model_type_named(name)
      rescue NameError, ArgumentError # a class_name that names no model class
        Tracking.model_type_named(reflection.class_name)
      end

      # nil when a partial select left the column out.
      def column(record, name)
        record[name] if record.has_attribute?(name)
      end
    end
  end
end
