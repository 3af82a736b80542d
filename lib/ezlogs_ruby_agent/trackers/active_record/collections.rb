# frozen_string_literal: true

module EzlogsRubyAgent
  module CallbacksTracker
    # A collection in a value the app hands over (RecordJson), read no
    # further than the core keeps of one (Native.collection_limit) and one
    # item more, to tell whether there are more: a relation with a LIMIT,
    # any other Enumerable by its first items. Past the limit, the core's
    # marker stands last, for the total the database, the loaded records or
    # the collection's `size` give (Native.items_marker).
    module Collections
      module_function

      # A relation's records, each described: those it loaded already, else
      # no more than the core keeps of a collection (Native.collection_limit)
      # and one to tell whether there are more (Rails' own as_json loads
      # them all: a million rows for `User.all`). When there are more, the
      # core's marker takes the last place, with the rest counted by the
      # database (or in memory, for a loaded relation).
      def relation(relation)
        limit = Native.collection_limit
        # Before the records are read: with has_many_inversing, reading
        # them may change the association's target.
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

      # The records `relation` gives, its order left out: it changes no
      # count, and it may name a column the select made up (`count(*) AS
      # c`). By Rails' count, which counts an eager-loaded relation's
      # records, not its joined rows. A grouped relation's groups by the
      # database, around the relation as a subquery: Rails' count would
      # bring every group's count into Ruby (a Hash of 300,000), and fails
      # on a group by a column the select made up.
      def rows(relation)
        unordered = relation.unscope(:order)
        return guarded(relation) { unordered.count(:all) } if unordered.group_values.empty?

        sql = "SELECT COUNT(*) FROM (#{unordered.to_sql}) ezlogs_rows"
        Integer(guarded(relation) { relation.connection.select_value(sql, "EzlogsRubyAgent count") })
      end

      # The block, in a savepoint when the app has a transaction open: a
      # query that fails aborts a PostgreSQL transaction, and the savepoint
      # keeps the app's usable.
      def guarded(relation, &)
        relation.connection.transaction_open? ? relation.transaction(requires_new: true, &) : yield
      end

      # An Enumerable's items (a Set, an app's collection): only as many as
      # the core keeps and one more, by Enumerable's own `first` (a class
      # may have its own, of another arity), since an Enumerable may run
      # without end or query as it goes (`in_batches`), with the total by
      # its `size` where it has one. Pairs keyed by a String or Symbol
      # (ENV, `request.headers`) are a Hash (keyed), whose values are then
      # redacted by their keys. An Enumerator (a lazy one too) makes its
      # items as it is run, maybe without end, and one that reads (a
      # StringIO, Rack's request body) would use up what the app has yet to
      # read and send it unfiltered: neither is run (RecordJson::NotListed).
      def enumerable(object)
        raise RecordJson::NotListed, object.class.name if object.is_a?(::Enumerator) || object.respond_to?(:read)

        limit = Native.collection_limit
        listed = ::Enumerable.instance_method(:first).bind_call(object, limit + 1)
        return keyed(listed, limit) { known_size(object, limit) } if pairs?(listed)

        within(listed, limit) { known_size(object, limit) }
      end

      # `object.size`, where it is one the items read could have (more
      # than `limit`); else nil.
      def known_size(object, limit)
        size = object.size if object.respond_to?(:size)
        size if size.is_a?(Integer) && size > limit
      end

      # Whether `items` are pairs, each keyed by a String or Symbol.
      def pairs?(items)
        !items.empty? && items.all? { |item| item.is_a?(Array) && item.size == 2 && RecordJson.text?(item[0]) }
      end

      # `pairs` as a Hash the core keeps whole: past `limit`, the first
      # `limit - 1` and the core's marker for the total the block gives.
      # Pairs that repeat a key (a CSV row's, two Set-Cookie headers), which
      # one Hash would keep one value of, as one Hash each.
      def keyed(pairs, limit, &)
        return within(pairs.map { |pair| [pair].to_h }, limit, &) unless unique_keys?(pairs)
        return pairs.to_h if pairs.size <= limit

        hash = pairs.first(limit - 1).to_h
        key, marker = Native.keys_marker(yield, hash.size)
        hash.merge(key => marker)
      end

      def unique_keys?(pairs)
        keys = pairs.map { |key, _| key.to_s }
        keys.uniq.size == keys.size
      end
    end
  end
end
