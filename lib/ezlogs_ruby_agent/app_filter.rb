# frozen_string_literal: true

module EzlogsRubyAgent
  # The app's `filter_parameters` that the native redactor cannot apply
  # itself (Procs, Regexps its matcher refuses, dotted filters; see
  # Configuration::FilterParameters), applied with Rails' own
  # ActiveSupport::ParameterFilter on the calling thread, to the values an
  # app hands over (params, record changes, job arguments, GraphQL
  # variables, log_event metadata) before they reach the core. With none of
  # them, every call returns its input untouched.
  #
  # A Regexp or dotted filter leaves the core's own marker, "[REDACTED]", so
  # a value reads the same whichever side redacted it; a Proc leaves what it
  # did to the value. The params of a request no controller filtered get
  # all of filter_parameters, with Rails' "[FILTERED]", as Rails filters a
  # controller's params. A Proc that raises never reaches the app: its
  # value is reported as "[REDACTED]", and the failure once.
  module AppFilter
    MASK = "[REDACTED]"
    PARAMS_MASK = "[FILTERED]"
    # A value handed to the core as it is (its as_json): a BasicObject,
    # which the core describes by its own class; a Hash used as a key,
    # filtered already (CallbacksTracker::Filterable). Equal only to
    # itself, so that two keys the filters made alike stay two.
    class Opaque
      attr_reader :object

      def initialize(object)
        @object = object
      end

      def as_json(*) = object

      # Its text, which a filter matches it by as a key, as Rails matches
      # the key itself.
      def to_s = defined?(object.to_s) ? object.to_s : ""
    end

    @values = nil
    @dotted = nil
    @params = nil
    @applied = [].freeze

    class << self
      # `filter_parameters`: a Configuration::FilterParameters. True when
      # some of them are applied here (`values` then does something).
      def use(filter_parameters)
        @values = SafeParameterFilter.build(filter_parameters.in_ruby, MASK)
        @dotted = SafeParameterFilter.build(filter_parameters.dotted, MASK)
        @params = SafeParameterFilter.build(filter_parameters.list, PARAMS_MASK)
        @applied = filter_parameters.list
        !@values.nil?
      end

      # The filter_parameters entries the agent applies (the core and
      # here), as Rails has them.
      attr_reader :applied

      # The dotted entries alone, as a filter (nil when there are none):
      # for applying them again under another key, where the others would
      # be applied twice (a Proc given a value it changed already).
      attr_reader :dotted

      # Other entries (a model's filter_attributes) as a filter for
      # `values` and `changes`, with the same marker.
      def filter_of(filters)
        SafeParameterFilter.build(filters, MASK)
      end

      # A value (Hash, Array of them, or anything else) with the filters
      # applied to every Hash in it, copied first (BoundedCopy): a Proc is
      # given String keys, as Rails' params have them. `filter`: the app's
      # unless another is given (filter_of); read once, as configure may
      # replace it meanwhile. `within`: for a record's attributes (a Hash),
      # its model's `model_name.element`, under which a dotted filter names
      # them: "user.name" for User#name, the form Rails itself adds for an
      # encrypted attribute (ActiveRecord::Encryption::AutoFilteredParameters).
      def values(value, filter = @values, within: nil)
        filter ? apply(filter, value, within) : value
      end

      # A record's changes ({attribute => [before, after]}): the befores and
      # the afters filtered each as a record's attributes are, so a Proc is
      # given one value. A pair a pattern masked is one marker, as the core
      # writes it. An attribute masked already (ModelFilters) is one
      # marker, not a pair, and is kept as it is: the app's filters are
      # never given what it hides. `filter` and `within`: as for `values`.
      def changes(changes, filter = @values, within: nil)
        return changes unless filter

        filtered = filter_pairs(filter, changes.reject { |_, pair| pair.equal?(MASK) }, within)
        # Keyed as the copies are (BoundedCopy writes Symbol keys as Strings).
        changes.each { |attribute, pair| filtered[attribute.to_s] = MASK if pair.equal?(MASK) }
        filtered
      end

      # The params of a request that no controller filtered.
      def params(params)
        filter = @params
        filter ? apply(filter, params) : params
      end

      # [`value` as the filters are given it, `values(value)`], so that the
      # two compare entry by entry (HiddenValues). `value`: a copy already
      # (BoundedCopy: Symbol keys as Strings). When no filter applies in
      # Ruby, both are `value` itself, one object: what a caller then
      # changes in it (PositionalArguments puts the named arguments back)
      # is in both, as the filters would have left it. An object the
      # filters are given what it holds of (a Struct, a Set) is that Hash
      # or Array in both.
      def copy_and_values(value)
        filter = @values
        return [value, value] unless filter

        copy = filterable_copy(value)
        filtered = filtered_copy(filter, copy)
        [CallbacksTracker::Filterable.unsealed(copy), filtered]
      rescue *FAILURES => e
        ProblemReporter.internal(e, "applying filter_parameters")
        [value, masked(value)]
      end

      private

      def filter_pairs(filter, pairs, within)
        befores = apply(filter, pairs.transform_values(&:first), within)
        afters = apply(filter, pairs.transform_values(&:last), within)
        befores.to_h do |attribute, before|
          after = afters[attribute]
          # ParameterFilter puts the mask object itself in.
          [attribute, before.equal?(MASK) && after.equal?(MASK) ? MASK : [before, after]]
        end
      end

      def apply(filter, value, within = nil)
        filtered_copy(filter, filterable_copy(value), within)
      rescue *FAILURES => e
        ProblemReporter.internal(e, "applying filter_parameters")
        masked(value)
      end

      def filterable_copy(value) = BoundedCopy.of(value) { |item| plain(item) }

      # `copy` filtered (a new copy), each object sealed in it put back.
      def filtered_copy(filter, copy, within = nil)
        filtered = within && copy.is_a?(Hash) ? filter_within(filter, copy, within) : map_hashes(filter, copy)
        CallbacksTracker::Filterable.unsealed(filtered)
      end

      # Params as a Hash; an object as what it gives, or sealed from the
      # filters (CallbacksTracker::Filterable.filterable); a BasicObject,
      # which ParameterFilter cannot be handed (it has no is_a?), wrapped.
      def plain(item)
        return Opaque.new(item) unless defined?(item.respond_to?)

        item.respond_to?(:to_unsafe_h) ? item.to_unsafe_h : CallbacksTracker::Filterable.filterable(item)
      end

      # `hash` filtered as the value of `key` would be, so that a dotted
      # filter "key.attribute" reaches it. When that masked it whole (a
      # filter took `key` itself, as Rails masks a nested params Hash, or a
      # Proc raised on one of its values), each entry is filtered on its
      # own, as filter_hash does for a Proc that raised.
      def filter_within(filter, hash, key)
        filtered = filter_hash(filter, { key => hash })[key]
        return filtered if filtered.is_a?(Hash)

        hash.to_h do |name, value|
          entry = filter_hash(filter, { key => { name => value } })[key]
          [name, entry.is_a?(Hash) ? entry[name] : MASK]
        end
      end

      # Each Hash in `value` (itself, or in Arrays) filtered.
      def map_hashes(filter, value)
        return filter_hash(filter, value) if value.is_a?(Hash)
        return value unless value.is_a?(Array)

        value.map { |item| map_hashes(filter, item) }
      end

      def filter_hash(filter, hash)
        catch(SafeParameterFilter::UNSAFE) { return filter.filter(hash) }
        hash.each_with_object({}) do |(key, value), filtered|
          filtered[key] = MASK
          catch(SafeParameterFilter::UNSAFE) { filtered[key] = filter.filter(key => value)[key] }
        end
      end

      # What is sent when filtering itself failed: nothing of the values.
      def masked(value)
        case value
        when Hash then value.transform_values { MASK }
        when Array then value.map { |item| masked(item) }
        else MASK
        end
      end
    end
  end
end
