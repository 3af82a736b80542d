# frozen_string_literal: true

module EzlogsRubyAgent
  module CallbacksTracker
    # An object an app hands over as a value (`log_event(metadata: {user:
    # user})`), as the core converts what is not plain data: its `as_json`
    # (the app's own, when it has one). A record's is filtered as its
    # changes are (RecordDescription): what the model keeps secret
    # (encrypted attributes, its own filter_attributes) is masked, and so
    # is what the app's filters the core cannot apply name (a Proc, a
    # dotted "user.bio"). What any other object gives (a Set's items, a
    # Struct's members) gets those filters too, by the keys it is under
    # (Filterable). Other keys the app filters, the core redacts as in any
    # Hash.
    module RecordJson
      # The ActiveRecord classes Rails has loaded (they stay loaded).
      @loaded = {}

      module_function

      # Whether `value` is data the core converts as it is, not another
      # object (which it shows as unrepresentable).
      def plain?(value)
        case value
        when Hash, Array, String, Symbol, Numeric, true, false, nil then true
        else false
        end
      end

      def text?(key) = key.is_a?(String) || key.is_a?(Symbol)

      # `object.as_json`, a record's filtered, and a relation's (an
      # association's) records each so (Collections.relation). A Struct, a Set
      # or a plain object that ActiveSupport's own as_json would turn into
      # a Hash or an Array is given as that, of its values themselves
      # rather than their as_json, so that a record in one comes back here
      # as the core converts it; a record's errors and an error's message
      # are masked as the trackers mask them. Raises what as_json raises,
      # and NotListed for an Enumerable whose items are not held
      # (Collections.enumerable).
      def of(object)
        return object.as_json if wrapper?(object)
        return RecordDescription.of(object) if record?(object)
        return Collections.relation(object) if relation?(object)

        given = given(object)
        plain?(given) ? AppFilter.values(given) : given
      end

      # What an object that is neither a record nor a relation gives for
      # the event, before any filter.
      def given(object) = generic(object) || object.as_json

      # The agent's own wrappers, whose as_json the core takes as it is:
      # filtered already (RecordDescription::Described), or with nothing to
      # filter (AppFilter::Opaque).
      def wrapper?(object)
        object.is_a?(RecordDescription::Described) || object.is_a?(AppFilter::Opaque)
      end

      # Raised for an object whose items are not read
      # (Collections.enumerable): the core
      # then shows it as unrepresentable, by its class.
      class NotListed < StandardError; end

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
        elsif owner.equal?(::Enumerable) then Collections.enumerable(object)
        elsif owner.equal?(::Object) then object.respond_to?(:to_hash) ? object.to_hash : object.instance_values
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
