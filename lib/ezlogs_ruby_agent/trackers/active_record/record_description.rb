# frozen_string_literal: true

module EzlogsRubyAgent
  module CallbacksTracker
    # A record as log_event metadata shows it: its `as_json` (the app's own,
    # when it has one) filtered as its changes are (ModelFilters.filtered),
    # with each record inside described by its own model's filters: those
    # its as_json returns, and those an `include:` put in it (Hashes by
    # then). Each part is filtered once, so that a Proc is given each value
    # once.
    module RecordDescription
      # A part described already, kept out of the filters of the record it
      # is in and handed to the core as it is (its as_json).
      Described = Struct.new(:json) do
        def as_json(*) = json
      end

      module_function

      # `record`'s description; one met again on the way down is cut as the
      # core cuts a cycle. `seen`: the records being described, outermost
      # first.
      def of(record, seen = {}.compare_by_identity)
        return BoundedCopy::CYCLE if seen.key?(record)

        seen[record] = true
        json = BoundedCopy.of(record.as_json) do |item|
          RecordJson.record?(item) ? Described.new(of(item, seen)) : item
        end
        seen.delete(record)
        json.is_a?(Hash) ? rooted(record, json) : json
      end

      # Under its root when it has one (`include_root_in_json`, `root:`): a
      # Hash by a name that is neither an attribute nor an association
      # holds the attributes.
      def rooted(record, json)
        root, attributes = json.first
        return filtered(record.class, json, record) unless json.size == 1 && attributes.is_a?(Hash) &&
                                                           !record.has_attribute?(root) &&
                                                           !record.class.reflect_on_association(root)

        { root => filtered(record.class, attributes, record) }
      end

      # `json` of `model` (of `record`, when at hand) filtered by the
      # model's filters, the associations included in it by theirs.
      def filtered(model, json, record = nil)
        included = json.filter_map do |key, value|
          next unless value.is_a?(Hash) || value.is_a?(Array)

          parts = included(model, key, record, value)
          [key, parts] if parts
        end
        ModelFilters.filtered(model, json.merge(included.to_h))
      end

      # The Hashes an `include:` of the association `name` put in `value`,
      # each described by its model: its record's when at hand (the
      # association is loaded once as_json included it), else the
      # association's; nil when `name` names no association.
      def included(model, name, record, value)
        reflection = model.reflect_on_association(name)
        return unless reflection

        hashes = value.is_a?(Hash) ? [value] : value
        targets = record ? Array(record.association(reflection.name).target) : []
        targets = [] unless targets.size == hashes.size
        described = hashes.each_with_index.map { |hash, index| described_part(reflection, hash, targets[index]) }
        value.is_a?(Hash) ? described.first : described
      end

      def described_part(reflection, hash, target)
        return hash unless hash.is_a?(Hash)

        model = RecordJson.record?(target) ? target.class : reflection_model(reflection)
        model ? Described.new(filtered(model, hash, target)) : hash
      end

      # nil for a polymorphic association (its model is its target's) or
      # one whose class is not there.
      def reflection_model(reflection)
        reflection.klass unless reflection.polymorphic?
      rescue NameError
        nil
      end
    end
  end
end
