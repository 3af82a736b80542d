# frozen_string_literal: true

module EzlogsRubyAgent
  module CallbacksTracker
    # An object an app hands over as a value (`log_event(metadata: {user:
    # user})`), as the core converts what is not plain data: its `as_json`
    # (the app's own, when it has one). A record's is filtered as its
    # changes are (ModelFilters.filtered): what the model keeps secret
    # (encrypted attributes, its own filter_attributes) is masked, and so
    # is what the app's filters the core cannot apply name (a Proc, a
    # dotted "user.bio"). Other keys the app filters, the core redacts as in
    # any Hash.
    module RecordJson
      # A record inside a value AppFilter filters, made its JSON only when
      # the core converts it: Rails' ParameterFilter dups each value it
      # hands a Proc, and a record's dup is a new record (no id, no
      # timestamps), nor should a Proc be handed the record.
      Sealed = Struct.new(:record) do
        def as_json(*) = RecordJson.of(record)
      end

      # The ActiveRecord classes Rails has loaded (they stay loaded).
      @loaded = {}

      module_function

      # `value`, a record sealed (Sealed).
      def sealed(value)
        record?(value) ? Sealed.new(value) : value
      end

      # `object.as_json`, a record's filtered, and a relation's (an
      # association's) records each so (its own as_json loads them all the
      # same); raises what as_json raises.
      def of(object)
        return described(object, {}.compare_by_identity) if record?(object)
        return object.to_a.map { |record| described(record, {}.compare_by_identity) } if relation?(object)

        object.as_json
      end

      # A record's as_json, filtered, with each record it holds (an app's
      # as_json may return them) described the same way in place, and one
      # met again on the way down cut as the core cuts a cycle. `seen`: the
      # records being described, outermost first.
      def described(record, seen)
        return BoundedCopy::CYCLE if seen.key?(record)

        seen[record] = true
        json = BoundedCopy.of(record.as_json) { |item| record?(item) ? described(item, seen) : item }
        seen.delete(record)
        json.is_a?(Hash) ? ModelFilters.filtered(record.class, json) : json
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
