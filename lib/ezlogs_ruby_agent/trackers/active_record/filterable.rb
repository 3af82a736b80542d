# frozen_string_literal: true

module EzlogsRubyAgent
  module CallbacksTracker
    # A value as AppFilter hands it to the app's filters (`filterable`),
    # and back (`unsealed`): an object as what the core would convert it
    # to, so that the filters reach what it holds by the keys it is under;
    # what the filters must not be handed, sealed, and put back in its
    # place after them.
    module Filterable
      # A record, a relation, an object that fails or gives another object,
      # or a Hash key that is an object, inside a value AppFilter filters
      # (`filterable`): kept from the filters, and put back in its place
      # after them (`unsealed`), for the core to convert (a record by its
      # model's filters, RecordJson.of). Rails' ParameterFilter dups each value it
      # hands a Proc, and a record's dup is a new record (no id, no
      # timestamps), a relation's a reset one (an association loses the
      # records built on it and not saved yet), and some objects cannot be
      # dup'ed at all (a Thread as a key, in a Thread's own state:
      # TypeError). Its text is the object's, which a filter matches a key
      # by (none when that fails).
      Sealed = Struct.new(:value) do
        def to_s
          value.to_s
        rescue *FAILURES
          ""
        end
      end

      module_function

      # `value` as AppFilter hands it to the filters, which match a value
      # by the path of keys it is under ("card.number", a Proc given
      # "card"'s items): an object the core would convert through its
      # as_json as what it gives (RecordJson.given: a Set's items, a Struct's
      # members), walked on by AppFilter; a record or a relation (which
      # their model's filters describe), an object that fails or gives
      # another object, and a Hash's key that is an object, sealed. A key
      # that is a Hash, or an Array holding more than text, numbers and
      # instants, filtered now, as a value with no key above it is: the
      # filters never look into a key, and the core writes it as its JSON.
      # Strings, numbers, instants and dates (which have an iso8601) as
      # they are.
      def filterable(value)
        return value.transform_keys { |key| key_of(key) } if value.is_a?(Hash) && !value.each_key.all? { key?(_1) }

        as_is?(value) ? value : plain_or_sealed(value)
      end

      # Whether the core converts `value` as it is (or AppFilter walks it).
      def as_is?(value)
        case value
        when Hash, Array, String, Symbol, Numeric, Time, true, false, nil then true
        else defined?(value.respond_to?) && value.respond_to?(:iso8601)
        end
      end

      # Whether `key` is one the filters may be handed as it is: text, a
      # number, an instant, or an Array of them (`group(:a, :b).count`'s).
      def key?(key)
        key.is_a?(Array) ? key.all? { |item| scalar?(item) } : scalar?(key)
      end

      def scalar?(value) = !value.is_a?(Hash) && !value.is_a?(Array) && as_is?(value)

      def key_of(key)
        return key if key?(key)

        as_is?(key) ? AppFilter::Opaque.new(AppFilter.values(key)) : Sealed.new(key)
      end

      def plain_or_sealed(object)
        return Sealed.new(object) if sealed?(object)

        plain = RecordJson.given(object)
        RecordJson.plain?(plain) ? plain : Sealed.new(object)
      rescue *FAILURES
        Sealed.new(object)
      end

      # A record or a relation (which their model's filters describe), or
      # one of the agent's own wrappers (filtered already).
      def sealed?(object)
        RecordJson.record?(object) || RecordJson.relation?(object) || RecordJson.wrapper?(object)
      end

      # A value filtered (a copy) with each object sealed in it in its place
      # again, so that the core meets it as itself, and cuts a cycle
      # through it.
      def unsealed(value)
        case value
        when Hash then unsealed_hash(value)
        when Array then value.map! { |item| unsealed(item) }
        when Sealed then value.value
        else value
        end
      end

      # Its keys rebuilt only when one was sealed (`key_of`; most never are).
      def unsealed_hash(hash)
        hash.transform_keys! { |key| unsealed(key) } if hash.each_key.any?(Sealed)
        hash.transform_values! { |item| unsealed(item) }
      end
    end
  end
end
