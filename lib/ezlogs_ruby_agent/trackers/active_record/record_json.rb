# frozen_string_literal: true

module EzlogsRubyAgent
  module CallbacksTracker
    # An object an app hands over as a value (`log_event(metadata: {user:
    # user})`), as the core converts what is not plain data: its `as_json`
    # (the app's own, when it has one). A record's is filtered as its
    # changes are (RecordDescription): what the model keeps secret
    # (encrypted attributes, its own filter_attributes) is masked, and so
    # is what the app's filters the core cannot apply name (a Proc, a
    # dotted "user.bio"). Other keys the app filters, the core redacts as in
    # any Hash.
    module RecordJson
      # A record or a relation inside a value AppFilter filters, made its
      # JSON only when the core converts it: Rails' ParameterFilter dups
      # each value it hands a Proc, and a record's dup is a new record (no
      # id, no timestamps), a relation's a reset one (an association loses
      # the records built on it and not saved yet); nor should a Proc be
      # handed either.
      Sealed = Struct.new(:value) do
        # The value itself when its JSON fails: the core then names it
        # unrepresentable by its class, as a value handed over bare.
        def as_json(*)
          RecordJson.of(value)
        rescue StandardError
          value
        end
      end

      # The ActiveRecord classes Rails has loaded (they stay loaded).
      @loaded = {}

      module_function

      # `value`, a record or a relation sealed (Sealed).
      def sealed(value)
        record?(value) || relation?(value) ? Sealed.new(value) : value
      end

      # `object.as_json`, a record's filtered, and a relation's (an
      # association's) records each so (relation_records). A Struct, a Set
      # or a plain object that ActiveSupport's own as_json would turn into
      # a Hash or an Array is given as that, of its values themselves
      # rather than their as_json, so that a record in one comes back here
      # as the core converts it; a record's errors and an error's message
      # are masked as the trackers mask them. Raises what as_json raises,
      # and NotListed for an Enumerable whose items are not held (items).
      def of(object)
        return RecordDescription.of(object) if record?(object)
        return relation_records(object) if relation?(object)

        generic(object) || object.as_json
      end

      # Raised for an object whose items are not read (items): the core
      # then shows it as unrepresentable, by its class.
      class NotListed < StandardError; end

      # A relation's records, each described: those it loaded already, else
      # no more than the core keeps of a collection (Native.collection_limit)
      # and one to tell whether there are more (Rails' own as_json loads
      # them all: a million rows for `User.all`). When there are more, the
      # core's marker takes the last place, with the rest counted by the
      # database (or in memory, for a loaded relation).
      def relation_records(relation)
        limit = Native.collection_limit
        unsaved = unsaved(relation)
        records = first_records(relation, limit + 1, unsaved)
        within(described(records), limit) { relation.loaded? ? records.size : rows(relation) + unsaved.size }
      end

      # `items` as the core keeps them: all, when they are no more than
      # `limit`; else the first `limit - 1` and, in the last place, the
      # core's marker for the total the block gives (nil: not known).
      def within(items, limit)
        return items if items.size <= limit

        items.first(limit - 1) << Native.items_marker(yield, limit - 1)
      end

      # The records of a relation that loaded them, or whose own limit is
      # below `count`; else its first `count`, then `unsaved` (as `to_a`
      # puts them).
      def first_records(relation, count, unsaved)
        own_limit = relation.limit_value
        return relation.to_a if relation.loaded? || (own_limit.is_a?(Integer) && own_limit < count)

        relation.limit(count).to_a + unsaved
      end

      # Records built on an association (`user.posts`, not a relation made
      # from it) and not saved yet, which its query does not find.
      def unsaved(relation)
        return [] unless relation.is_a?(::ActiveRecord::Associations::CollectionProxy)

        relation.proxy_association.target.select(&:new_record?)
      end

      def described(records) = records.map { |record| RecordDescription.of(record) }

      # The records `relation` gives (a grouped relation's groups), its
      # order left out: it changes no count, and it may name a column the
      # select made up (`count(*) AS c`). By Rails' count, which counts an
      # eager-loaded relation's records, not its joined rows, and runs no
      # query for `none`; where that fails (a group by such a column, which
      # Rails' count selects without), by the database around the relation
      # as a subquery.
      def rows(relation)
        unordered = relation.unscope(:order)
        count = guarded(relation) { unordered.count(:all) }
        count.is_a?(Hash) ? count.size : count
      rescue StandardError
        sql = "SELECT COUNT(*) FROM (#{unordered.to_sql}) ezlogs_rows"
        Integer(guarded(relation) { relation.connection.select_value(sql, "EzlogsRubyAgent count") })
      end

      # The block, in a savepoint when the app has a transaction open: a
      # query that fails aborts a PostgreSQL transaction, and the savepoint
      # keeps the app's usable.
      def guarded(relation, &)
        relation.connection.transaction_open? ? relation.transaction(requires_new: true, &) : yield
      end

      # In place of ActiveSupport's own as_json (nil for an object with an
      # as_json of its own): a record's failed validations and an error's
      # message masked as the trackers mask them (a record's errors, one
      # of them, a RecordInvalid), and what it is the as_json of for a
      # Struct, an Enumerable (a Set) or a plain object (plain_values).
      # What fails here is raised: the core then shows the object as
      # unrepresentable rather than by an as_json not masked.
      def generic(object)
        owner = as_json_owner(object)
        return errors(object) if owner&.name == "ActiveModel::Errors"
        return model_error(object) if defined?(::ActiveModel::Error) && object.is_a?(::ActiveModel::Error)
        return Tracking.masked(object.to_s, Tracking.record_secrets(object)) if owner.equal?(::Exception)

        plain_values(object, owner)
      end

      # The module whose as_json `object` has; nil when Ruby cannot tell
      # (an as_json through method_missing).
      def as_json_owner(object)
        object.method(:as_json).owner
      rescue NameError
        nil
      end

      # `to_h`, `items`; `to_hash` or `instance_values`, by the class whose
      # as_json `object` has.
      def plain_values(object, owner)
        if owner.equal?(::Struct) then object.to_h
        elsif owner.equal?(::Enumerable) then items(object)
        elsif owner.equal?(::Object) then object.respond_to?(:to_hash) ? object.to_hash : object.instance_values
        end
      end

      # An Enumerable's items (a Set, an app's collection): only as many as
      # the core keeps and one more, since an Enumerable may run without
      # end or query as it goes (`in_batches`), with the total by its
      # `size` where it has one. An Enumerator (a lazy one too) makes its
      # items as it is run, maybe without end, and one that reads (a
      # StringIO, Rack's request body) would use up what the app has yet to
      # read and send it unfiltered: neither is run (NotListed).
      def items(object)
        raise NotListed, object.class.name if object.is_a?(::Enumerator) || object.respond_to?(:read)

        limit = Native.collection_limit
        within(object.first(limit + 1), limit) do
          size = object.size if object.respond_to?(:size)
          size if size.is_a?(Integer)
        end
      end

      # One failed validation (ActiveModel::Error: `record.errors.first`):
      # its attribute and message, masked as a record's errors are; not
      # its options, which hold the value, nor its record.
      def model_error(error)
        messages = { error.attribute => [error.message] }
        messages = ModelFilters.errors(error.base, messages) if record?(error.base)
        attribute, message = messages.first
        { "attribute" => attribute.to_s, "message" => message.is_a?(Array) ? message.first : message }
      end

      # A record's errors as ModelFilters.errors has them, another model's
      # (an ActiveModel form) as they are. (They may be a copy: Rails'
      # ParameterFilter dups each value when the app has a Proc filter.)
      def errors(errors)
        record = errors.instance_variable_get(:@base)
        record?(record) ? ModelFilters.errors(record, errors) : errors.as_json
      end

      # Only once Rails loaded ActiveRecord::Base: asking `is_a?` of a
      # class still to be autoloaded would load it, early in a boot.
      def record?(object)
        loaded?(:Base) && object.is_a?(::ActiveRecord::Base)
      end

      def relation?(object)
        loaded?(:Relation) && object.is_a?(::ActiveRecord::Relation)
      end

      # Remembered once true: AppFilter asks this of every value it copies.
      def loaded?(name)
        @loaded[name] ||= (defined?(::ActiveRecord) && ::ActiveRecord.autoload?(name).nil? &&
                           ::ActiveRecord.const_defined?(name, false)) || nil
      end
    end
  end
end
