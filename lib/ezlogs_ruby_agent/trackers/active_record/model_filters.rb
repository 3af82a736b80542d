# frozen_string_literal: true

module EzlogsRubyAgent
  module CallbacksTracker
    # What a model keeps secret beyond the app's filter_parameters, which
    # the agent applies already (the core and AppFilter), is never reported
    # in clear, in a record's changes, a bulk update's values, nor the
    # messages of a failed validation (which may quote a value):
    # - attributes Active Record Encryption keeps encrypted (`encrypts`,
    #   Rails 7 and later): Rails adds them to filter_parameters only once
    #   their model is loaded, after the agent read the list;
    # - the model's own `filter_attributes` entries (`self.filter_attributes
    #   += [:otp_secret]`: Rails' inspect shows them as [FILTERED]), applied
    #   as AppFilter applies the app's. Rails puts filter_parameters in
    #   ActiveRecord::Base.filter_attributes; only the other entries are.
    module ModelFilters
      # Whether this Rails encrypts attributes (`encrypted_attributes`, a
      # class attribute of ActiveRecord::Base from Rails 7.0) is asked once,
      # at the first commit, of every model's ancestor: asked at every
      # commit, `method_defined?` walked each of a model's 78 ancestors to
      # answer no on Rails 6.1. (Not `respond_to?`: on a model class it
      # runs Rails' dynamic-finder lookup.)
      @encrypts = nil
      # model => [its filter_attributes, the entries AppFilter applied, the
      # filter of its own entries or nil], for the lists it was made of.
      @filters = {}.compare_by_identity
      # model => elements(model)
      @elements = {}.compare_by_identity
      MAX_MODELS = 1_000
      # Models a model inherits from, at most (single-table inheritance).
      MAX_DEPTH = 16
      # Records whose values a failed validation's messages are searched
      # for, at most (the record and those saved with it).
      MAX_RECORDS = 100

      module_function

      # `changes` ({attribute => [before, after]}) with each encrypted
      # attribute's pair replaced by the redaction marker, and the model's
      # own filters applied.
      def changes(model, changes)
        changes = masked(model, changes)
        filter = own_filter(model)
        filter ? AppFilter.changes(changes, filter) : changes
      end

      # `values` ({column => value}: a bulk update's, or a failed
      # validation's messages) likewise.
      def values(model, values)
        values = masked(model, values)
        filter = own_filter(model)
        filter ? AppFilter.values(values, filter) : values
      end

      # A record's changes with the model's filters applied, then the
      # app's that the core cannot apply, under the model's element (where
      # a dotted filter names its attributes), and its dotted ones under
      # the elements of the models it inherits from (single-table
      # inheritance: "user.name" names an Admin's name too).
      def filtered_changes(model, changes)
        under_elements(model, changes(model, changes), :changes)
      end

      # `values` ({attribute => value}) likewise.
      def filtered(model, values)
        under_elements(model, values(model, values), :values)
      end

      # `entries` filtered by AppFilter's `how` (:values, :changes): all of
      # the app's filters under the model's own element, the dotted ones
      # under those of the models it inherits from.
      def under_elements(model, entries, how)
        elements = elements(model)
        entries = AppFilter.public_send(how, entries, within: elements.first)
        return entries if elements.size == 1

        elements.drop(1).reduce(entries) do |done, element|
          AppFilter.public_send(how, done, AppFilter.dotted, within: element)
        end
      end

      # `record`'s failed validations ({attribute => messages}), filtered
      # as its changes are. A message may quote a value (`message:
      # "%{value} is too long"`), and not only its own attribute's
      # (`errors.add(:base, "#{name} is taken")`): the values the filters
      # mask are masked in every message. `errors`: its errors, or a copy.
      def errors(record, errors = record.errors)
        errors = filtered(record.class, errors.to_hash)
        secrets = secrets(record)
        return errors if secrets.empty?

        errors.transform_values do |messages|
          messages.is_a?(Array) ? messages.map { |message| Tracking.masked(message.to_s, secrets) } : messages
        end
      end

      # The values of `record`'s attributes that its changes would show
      # masked (by the core's rules for keys, the model's and the app's
      # filters), as they are and as they were loaded, as text: for where a
      # message quotes them. A record's errors hold those of the records
      # it saves with it (`accepts_nested_attributes_for`: "cards.number"),
      # so theirs are given too.
      def secrets(record, seen = {}.compare_by_identity)
        return [] if seen.key?(record) || seen.size >= MAX_RECORDS

        seen[record] = true
        own_secrets(record) + autosaved(record).flat_map { |child| secrets(child, seen) }
      end

      def own_secrets(record)
        attributes = record.attributes
        filtered = filtered(record.class, attributes)
        loaded = record.changed_attributes
        attributes.flat_map do |name, value|
          next [] unless Native.sensitive_key?(name) || filtered[name] != value

          Tracking.texts_of(value) + Tracking.texts_of(loaded[name])
        end
      end

      # The records of `record`'s autosaved associations at hand (none is
      # loaded for this).
      def autosaved(record)
        record.class.reflect_on_all_autosave_associations.flat_map do |reflection|
          Array(record.association(reflection.name).target).select { |child| child.is_a?(::ActiveRecord::Base) }
        end
      end

      # The names a dotted filter_parameters entry gives the model's
      # attributes under ("user" in "user.name", as Rails writes one for an
      # encrypted attribute): its own `model_name.element`, then those of
      # the models it inherits from, up to its table's base class. Kept
      # per model; nil for an anonymous model.
      def elements(model)
        known = @elements[model]
        return known if known

        names = inheritance(model).map { |klass| element(klass) }
        @elements[model] = names if @elements.size < MAX_MODELS
        names
      end

      # `model`, then the models it inherits from up to its base class.
      def inheritance(model)
        chain = [model]
        chain << chain.last.superclass until chain.last.equal?(model.base_class) || chain.size > MAX_DEPTH
        chain
      rescue *FAILURES
        [model]
      end

      def element(model)
        model.model_name.element if model.name
      rescue *FAILURES
        nil
      end

      def masked(model, entries)
        @encrypts = ::ActiveRecord::Base.singleton_class.method_defined?(:encrypted_attributes) if @encrypts.nil?
        encrypted = model.encrypted_attributes if @encrypts
        return entries if encrypted.nil? || encrypted.empty?

        entries.to_h { |attribute, entry| [attribute, encrypted.include?(attribute.to_sym) ? AppFilter::MASK : entry] }
      end

      # The model's own filter_attributes entries as a filter, made once
      # for each list the model has (Rails makes a new one when an entry is
      # added); nil when it has none beyond filter_parameters.
      def own_filter(model)
        own = model.filter_attributes
        applied = AppFilter.applied
        known_own, known_applied, filter = @filters[model]
        return filter if known_own.equal?(own) && known_applied.equal?(applied)

        extra = own - applied
        filter = extra.empty? ? nil : AppFilter.filter_of(extra)
        @filters[model] = [own, applied, filter] if @filters.size < MAX_MODELS
        filter
      end
    end
  end
end
