# frozen_string_literal: true

module EzlogsRubyAgent
  module CallbacksTracker
    # An object an app hands over as a value (`log_event(metadata: {user:
    # user})`), as the core converts what is not plain data: its `as_json`
    # (the app's own, when it has one). A record's is filtered as its
    # changes are: what the model keeps secret (encrypted attributes, its
    # own filter_attributes; ModelFilters) is masked, and so is what the
    # app's filters the core cannot apply name (a Proc, a dotted
    # "user.bio"; AppFilter). Other keys the app filters, the core redacts
    # as in any Hash.
    module RecordJson
      # A record inside a value AppFilter filters, made its JSON only when
      # the core converts it: Rails' ParameterFilter dups each value it
      # hands a Proc, and a record's dup is a new record (no id, no
      # timestamps), nor should a Proc be handed the record.
      Sealed = Struct.new(:record) do
        def as_json(*) = RecordJson.of(record)
      end

      module_function

      # `value`, a record sealed (Sealed).
      def sealed(value)
        record?(value) ? Sealed.new(value) : value
      end

      # `object.as_json`; raises what it raises.
      def of(object)
        json = object.as_json
        return json unless record?(object) && json.is_a?(Hash)

        model = object.class
        AppFilter.values(ModelFilters.values(model, json), within: ModelFilters.element(model))
      end

      def record?(object)
        defined?(::ActiveRecord::Base) && object.is_a?(::ActiveRecord::Base)
      end
    end
  end
end
