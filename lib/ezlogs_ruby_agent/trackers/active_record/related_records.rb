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
          id = key(record, entry)
          next if id.nil?

          type = entry.reflection.polymorphic? ? polymorphic_type(record, entry.reflection) : declared_type(entry)
          { type:, id: id.to_s } unless type.to_s.empty?
        end
      end

      # One belongs_to: the reflection, and once resolved the columns that
      # hold the related record's id (`id_columns`) and its type.
      Entry = Struct.new(:reflection, :id_columns, :type)

      def belongs_to(model)
        source = model._reflections
        known = model.instance_variable_get(IVAR)
        return known.last if known&.first.equal?(source)

        list = model.reflect_on_all_associations(:belongs_to).map do |reflection|
          Entry.new(reflection)
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

      # The related record's id as read from `record`: a composite one
      # (Rails 7.1 and later) as its values, which `to_s` writes as that
      # record's own events write its id ("[3, 8]"); nil when a value is
      # missing or the key holds no id.
      def key(record, entry)
        columns = entry.id_columns
        columns = entry.id_columns = id_columns(record.class, entry.reflection) if columns.nil?
        case columns
        when String then column(record, columns)
        when Array
          values = columns.map { |name| column(record, name) }
          values unless values.include?(nil)
        end
      end

      # The columns of `model` that hold the related record's id: its
      # foreign key, or a composite one's columns in the order of the
      # related model's primary key, with alias names resolved. False when
      # they hold another of its columns (`primary_key:`, or a composite
      # key that does not pair with that primary key): its id would take a
      # query. Nil, tried again next time, while the related class cannot
      # be loaded.
      def id_columns(model, reflection)
        columns = key_columns(reflection)
        return false unless columns

        columns = columns.map { |name| model.attribute_aliases[name] || name }
        columns.one? ? columns.first : columns
      rescue NameError, ArgumentError
        nil
      end

      # The key's columns, in the related primary key's order; nil when
      # they hold no id.
      def key_columns(reflection)
        return unless holds_id?(reflection)

        foreign_key = reflection.foreign_key
        return [foreign_key] unless foreign_key.is_a?(Array)

        composite_columns(reflection, foreign_key) unless reflection.polymorphic?
      end

      # Whether the key refers to the related model's primary key rather
      # than to another column (`primary_key: :uuid`). A polymorphic one
      # has no one related model to ask.
      def holds_id?(reflection)
        named = reflection.options[:primary_key]
        named.nil? || reflection.polymorphic? || Array(named).map(&:to_s) == Array(reflection.klass.primary_key)
      end

      # A composite key's columns paired with the columns they reference,
      # in the order of the related model's primary key.
      def composite_columns(reflection, foreign_key)
        referenced = reflection.association_primary_key
        return unless referenced.is_a?(Array) && referenced.size == foreign_key.size

        pairs = referenced.zip(foreign_key).to_h
        columns = Array(reflection.klass.primary_key).map { |name| pairs[name] }
        columns unless columns.empty? || columns.include?(nil)
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
