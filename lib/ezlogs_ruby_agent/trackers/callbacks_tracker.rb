# frozen_string_literal: true

require_relative "active_record/after_commit"
require_relative "active_record/collections"
require_relative "active_record/filterable"
require_relative "active_record/model_filters"
require_relative "active_record/pending_saves"
require_relative "active_record/record_description"
require_relative "active_record/record_json"
require_relative "active_record/record_change"
require_relative "active_record/saved_changes"
require_relative "active_record/transaction_hooks"
require_relative "active_record/related_records"
require_relative "active_record/bulk_operations"

module EzlogsRubyAgent
  # ActiveRecord: a `data.change` event per committed create, update and
  # destroy, per failed validation, and per bulk operation. Included into
  # ActiveRecord::Base by the Railtie. The callbacks read the correlation
  # context; they never change it.
  #
  # Reporting every model's commits has a cost Rails documents for commit
  # callbacks: records saved in a transaction are held until it ends
  # (rather than weakly), so a transaction that saves very many records
  # holds them all.
  module CallbacksTracker
    def self.included(base)
      base.after_save { |record| RecordChange.saved(record) }
      base.after_destroy { |record| RecordChange.destroyed(record) }
      base.prepend(TransactionHooks)
      SavedChanges.install(base)
      ::ActiveRecord::ConnectionAdapters::AbstractAdapter.prepend(PendingSaves::TransactionRecord)
      base.prepend(ValidationFailures)
      base.singleton_class.prepend(BulkOperations::Inserts)
      ::ActiveRecord::Relation.prepend(BulkOperations::RelationWrites)
    end

    # `save` returning false and `save!` raising, because of validations.
    module ValidationFailures
      def save(**options, &)
        saved = super
        RecordChange.validation_failed(self) if !saved && errors.any?
        saved
      end

      def save!(**options, &)
        super
      rescue ::ActiveRecord::RecordInvalid => e
        RecordChange.validation_failed(self) if e.record.equal?(self)
        raise
      end
    end
  end
end
