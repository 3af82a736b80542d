# frozen_string_literal: true

module EzlogsRubyAgent
  module CallbacksTracker
    # A record's `saved_changes` ({attribute => [before, after]}), read for
    # the attributes an update wrote rather than by comparing every
    # attribute again. `saved_changes` compares each attribute's value with
    # the one loaded (ActiveModel::AttributeMutationTracker#changes). On an
    # update with partial writes (Rails' default), Rails has just made that
    # comparison to choose the columns it writes; the agent keeps the names
    # it chose (`attribute_names_for_partial_writes` in Rails 6.1,
    # `attribute_names_for_partial_updates` from 7.0) and reads the before
    # and after of those alone from the same tracker `saved_changes` reads
    # (`mutations_before_last_save`), when that is still the tracker they
    # were chosen with: an after_update that touches or reloads the record,
    # or saves it again and fails, leaves another. Both are private to
    # Rails: where the names are missing or belong to another tracker,
    # after a create, and with partial writes off (every column written),
    # `saved_changes` is read whole. On a model of seven columns, two of
    # them changed, this takes 107 calls where `saved_changes` takes 456.
    # One difference: an attribute that a block given to `save` assigns
    # (Rails runs it after the write) is in `saved_changes` but was not
    # written, and is not reported.
    module SavedChanges
      IVAR = :@__ezlogs_partial_write
      # Rails' method choosing the columns of an update, and the setting
      # under which they are the changed ones (Rails 6.1; 7.0 and later).
      PARTIAL_WRITES = { attribute_names_for_partial_writes: :partial_writes?,
                         attribute_names_for_partial_updates: :partial_updates? }.freeze

      # Keeps the names each partial write of `model` (ActiveRecord::Base)
      # chose.
      def self.install(model)
        @rails_not_loaded = rails_not_loaded
        methods = PARTIAL_WRITES.select { |name, _| model.private_method_defined?(name) }
        model.prepend(Module.new do
          methods.each do |name, partial|
            define_method(name) do
              names = super()
              instance_variable_set(IVAR, [names, mutations_from_database]) if public_send(partial)
              names
            end
          end
          private(*methods.keys) # rubocop:disable Style/AccessModifierDeclarations -- only those this Rails has
        end)
      end

      # The before of an attribute a partial select did not load, which
      # Rails does not know either: written as null (`as_json`), and equal
      # to no value, so that a transaction's net change (PendingSaves) never
      # takes it for the value an attribute was set back to.
      class NotLoaded
        def as_json(*) = nil
      end
      NOT_LOADED = NotLoaded.new.freeze

      # Rails' own stand-in for such a before (an Object, which would be
      # written as `{}`), read as the model is installed; until then, and
      # if this Rails has none, an Object that matches nothing.
      @rails_not_loaded = Object.new

      def self.rails_not_loaded
        ::ActiveModel::Attribute.uninitialized("", nil).original_value
      rescue *FAILURES
        Object.new
      end

      module_function

      def of(record)
        names, chosen_with = take(record)
        tracker = record.send(:mutations_before_last_save)
        return whole(record) unless names && chosen_with.equal?(tracker) && !record.previously_new_record?

        changes = names.to_h do |name|
          before = tracker.original_value(name)
          [name, [@rails_not_loaded.equal?(before) ? NOT_LOADED : before, tracker.send(:fetch_value, name)]]
        end
        lock_change(record, changes)
      end

      # `saved_changes`, with NOT_LOADED for Rails' stand-in where there is
      # one (an update after a partial select, or a create of such a
      # record's `dup`); `assoc` looks for it without a block per attribute.
      def whole(record)
        changes = record.saved_changes
        return changes unless changes.values.assoc(@rails_not_loaded)

        changes.transform_values { |(before, after)| [@rails_not_loaded.equal?(before) ? NOT_LOADED : before, after] }
      end

      # Optimistic locking bumps its column once the names are chosen, and
      # only when Rails writes the row: a save that changed nothing leaves
      # it as it was.
      def lock_change(record, changes)
        return changes unless record.class.locking_enabled?

        column = record.class.locking_column
        change = record.saved_change_to_attribute(column)
        change ? changes.merge(column => change) : changes
      end

      # [names, the tracker they were chosen with], forgotten on the record;
      # nil when none were kept.
      def take(record)
        kept = PendingSaves.take_note(record, IVAR)
        kept.is_a?(Array) ? kept : nil
      end
    end
  end
end
