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
      # same). A Struct, a Set or a plain object that ActiveSupport's own
      # as_json would turn into a Hash or an Array is given as that, of its
      # values themselves rather than their as_json, so that a record in
      # one comes back here as the core converts it; a record's errors and
      # an error's message are masked as the trackers mask them. Raises
      # what as_json raises.
      def of(object)
        return described(object, {}.compare_by_identity) if record?(object)
        return object.to_a.map { |record| described(record, {}.compare_by_identity) } if relation?(object)

        generic(object) || object.as_json
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
        json.is_a?(Hash) ? rooted(record, json) : json
      end

      # `json` (a record's, or an association's that its `include:` put in
      # it, a Hash by then) filtered by `model`'s filters, and the
      # associations included in it by theirs. `record`: the record it is
      # of, when known (a polymorphic association's model is its target's).
      def filtered(model, json, record = nil)
        ModelFilters.filtered(model, json).to_h do |key, value|
          next [key, value] unless value.is_a?(Hash) || value.is_a?(Array)

          included = included_model(model, key, record)
          [key, included ? each_hash(value) { |hash| filtered(included, hash) } : value]
        end
      end

      # A record's JSON filtered, under its root when it has one
      # (`include_root_in_json`, `root:`): a Hash by a name that is neither
      # an attribute nor an association holds the attributes.
      def rooted(record, json)
        root, attributes = json.first
        return filtered(record.class, json, record) unless json.size == 1 && attributes.is_a?(Hash) &&
                                                           !record.has_attribute?(root) &&
                                                           !record.class.reflect_on_association(root)

        { root => filtered(record.class, attributes, record) }
      end

      # The model of the association `name` of `model`, nil when `name`
      # names none (or a polymorphic one whose target is not at hand).
      def included_model(model, name, record)
        reflection = model.reflect_on_association(name)
        return unless reflection
        return reflection.klass unless reflection.polymorphic?

        target = record&.association(name)&.target
        target.class if record?(target)
      rescue NameError # an association whose class is not there
        nil
      end

      def each_hash(value, &)
        return yield(value) if value.is_a?(Hash)

        value.map { |item| item.is_a?(Hash) ? yield(item) : item }
      end

      # In place of ActiveSupport's own as_json (nil for an object with
      # an as_json of its own): a record's failed validations and an
      # error's message masked as the trackers mask them (a record's
      # errors, a RecordInvalid), and what it is the as_json of for a
      # Struct, an Enumerable (a Set) or a plain object (plain_values).
      def generic(object)
        owner = object.method(:as_json).owner
        return errors(object) if owner.name == "ActiveModel::Errors"
        return Tracking.masked(object.to_s, Tracking.record_secrets(object)) if owner.equal?(::Exception)

        plain_values(object, owner)
      rescue NameError
        nil
      end

      # `to_h`, `to_a`; `to_hash` or `instance_values`, by the class whose
      # as_json `object` has.
      def plain_values(object, owner)
        if owner.equal?(::Struct) then object.to_h
        elsif owner.equal?(::Enumerable) then object.to_a
        elsif owner.equal?(::Object) then object.respond_to?(:to_hash) ? object.to_hash : object.instance_values
        end
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
