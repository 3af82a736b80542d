# frozen_string_literal: true

module EzlogsRubyAgent
  module CallbacksTracker
    # The `related` list of a `data.change`: `{type:, id:}` of each record
    # the changed one belongs to, named as those records' own events name
    # them.
    module RelatedRecords
      # A model class's belongs_to associations as [foreign key, the related
      # type (nil when polymorphic: the row says), reflection], read once per
      # class: asking Rails for them and resolving their classes on every
      # change cost about 23,000 instructions of an update's 190,000. Kept
      # on the class, so a class reloaded in development starts afresh; an
      # association declared after the class's first change is not seen.
      IVAR = :@__ezlogs_belongs_to

      module_function

      # The records this one belongs to, from its belongs_to foreign keys;
      # read from the row, never loaded (and skipped when a partial select
      # left the key out).
      def of(record)
        belongs_to(record.class).filter_map do |foreign_key, type, reflection|
          id = column(record, foreign_key)
          next if id.nil?

          type ||= polymorphic_type(record, reflection)
          { type:, id: id.to_s } unless type.to_s.empty?
        end
      end

      def belongs_to(model)
        known = model.instance_variable_get(IVAR)
        return known if known

        list = read_belongs_to(model)
        model.frozen? ? list : model.instance_variable_set(IVAR, list)
      end

      def read_belongs_to(model)
        model.reflect_on_all_associations(:belongs_to).map do |reflection|
          [reflection.foreign_key, (declared_type(reflection) unless reflection.polymorphic?), reflection]
        end.freeze
      end

      # Named after the related class as Rails resolves it: `class_name` is
      # relative to the model's namespace.
      def declared_type(reflection)
        Tracking.model_type(reflection.klass)
      rescue NameError, ArgumentError # a class_name that names no model class
        Tracking.model_type_named(reflection.class_name)
      end

      # A polymorphic type column holds the full name.
      def polymorphic_type(record, reflection)
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
