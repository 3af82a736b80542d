# frozen_string_literal: true

module EzlogsRubyAgent
  module CallbacksTracker
    # The `related` list of a `data.change`: `{type:, id:}` of each record
    # the changed one belongs to, named as those records' own events name
    # them.
    module RelatedRecords
      # A model class's belongs_to associations, read once per class and
      # kept on it with the `_reflections` they came from (asking Rails for
      # them on every change was one of the largest parts of tracking an
      # update: benches/trackers.rb). Rails replaces `_reflections` when an association is added
      # (here or on a parent), so a list read before that is read again; a
      # class reloaded in development starts afresh.
      IVAR = :@__ezlogs_belongs_to

      module_function

      # The records this one belongs to, from its belongs_to foreign keys;
      # read from the row, never loaded (and skipped when a partial select
      # left the key out).
      def of(record)
        belongs_to(record.class).filter_map do |entry|
          id = key(record, entry.foreign_key)
          next if id.nil?

          type = entry.reflection.polymorphic? ? polymorphic_type(record, entry.reflection) : declared_type(entry)
          { type:, id: id.to_s } unless type.to_s.empty?
        end
      end

      # One belongs_to: its foreign key, the reflection, and the related
      # class's type once resolved.
      Entry = Struct.new(:foreign_key, :reflection, :type)

      def belongs_to(model)
        source = model._reflections
        known = model.instance_variable_get(IVAR)
        return known.last if known&.first.equal?(source)

        list = model.reflect_on_all_associations(:belongs_to).map do |reflection|
          Entry.new(reflection.foreign_key, reflection)
        end
        model.instance_variable_set(IVAR, [source, list]) unless model.frozen?
        list
      end

      # Named after the related class as Rails resolves it (`class_name` is
      # relative to the model's namespace), resolved on first use and kept;
      # a class_name that names no model class is named as it is, and tried
      # again next time.
      def declared_type(entry)
        entry.type ||= Tracking.model_type(entry.reflection.klass)
      rescue NameError, ArgumentError
        Tracking.model_type_named(entry.reflection.class_name)
      end

      # A polymorphic type column holds the full name.
      def polymorphic_type(record, reflection)
        name = column(record, reflection.foreign_type).to_s
        model = name.empty? ? nil : name.safe_constantize
        model ? Tracking.model_type(model) : Tracking.model_type_named(name)
      rescue NameError, ArgumentError # a class_name that names no model class
        Tracking.model_type_named(reflection.class_name)
      end

      # A composite foreign key (Rails 7.1 and later: an Array of columns)
      # as its values, which `to_s` writes as the related record's own
      # composite `id` is written ("[3, 8]"); nil when any is missing.
      def key(record, foreign_key)
        return column(record, foreign_key) unless foreign_key.is_a?(Array)

        values = foreign_key.map { |name| column(record, name) }
        values unless values.include?(nil)
      end

      # nil when a partial select left the column out. `_read_attribute`
      # is Rails' own read behind `record[name]` (public, :nodoc:, in 6.1
      # to 8.0): it returns nil for a column not loaded where `[]` raises,
      # in one call where `has_attribute?` and `[]` took 28.
      def column(record, name)
        record._read_attribute(name)
      end
    end
  end
end
