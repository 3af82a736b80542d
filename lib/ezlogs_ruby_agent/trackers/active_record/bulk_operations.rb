# frozen_string_literal: true

module EzlogsRubyAgent
  module CallbacksTracker
    # One `data.change` event per bulk write, with the rows it affected, sent
    # when its transaction commits (none if it rolls back). `destroy_all`
    # also destroys (and so reports) each record.
    module BulkOperations
      module_function

      # insert_all, insert_all!, upsert_all (and insert, upsert, which call them).
      module Inserts
        %i[insert_all insert_all! upsert_all].each do |operation|
          define_method(operation) do |attributes, **options|
            result = super(attributes, **options)
            Tracking.safely("recording data.change") do
              BulkOperations.record(self, operation, rows_given: attributes.size,
                                                     affected_rows: BulkOperations.affected_rows(connection, result))
            end
            result
          end
        end
      end

      # update_all, delete_all, destroy_all on a relation (and on the model).
      module RelationWrites
        # `updates` as the app gave them, when a Hash: counter caches and
        # `update_counters` give Arel expressions, reported as their SQL.
        # (A String or Array of SQL is not: the app's filters cannot reach
        # inside it.)
        def update_all(updates)
          affected = super
          readable = BulkOperations.updates(klass, connection, updates) if updates.is_a?(Hash)
          BulkOperations.record(klass, :update_all, affected_rows: affected, updates: readable)
          affected
        end

        def delete_all
          affected = super
          BulkOperations.record(klass, :delete_all, affected_rows: affected)
          affected
        end

        def destroy_all
          destroyed = super
          BulkOperations.record(klass, :destroy_all, affected_rows: destroyed.size)
          destroyed
        end
      end

      def record(model, operation, affected_rows:, **details)
        return unless RecordChange.tracked?(model)

        Tracking.safely("recording data.change") do
          type = Tracking.model_type(model)
          metadata = RecordChange.base_metadata(model).merge(operation: operation.to_s, affected_rows:)
          event = { actor: ActorExtractor.extract, subject: { type: }, metadata: metadata.merge(details).compact }
          context = CorrelationManager.current_context
          AfterCommit.run(model.connection) do
            CorrelationManager.with_context(context) { Tracking.record("data.change", "#{type}.#{operation}", **event) }
          end
        end
      end

      # {column => value}, filtered as the model and the app filter, with
      # each Arel expression written as the SQL it runs, its values in place:
      # `{comments_count: 'COALESCE("comments_count", 0) + 1'}`.
      def updates(model, connection, updates)
        readable = updates.transform_values { |value| arel?(value) ? sql_of(connection, value) : value }
        ModelFilters.filtered(model, readable)
      end

      def arel?(value)
        value.is_a?(::Arel::Nodes::Node) || value.is_a?(::Arel::Attributes::Attribute)
      end

      def sql_of(connection, node)
        collector = ::Arel::Collectors::SubstituteBinds.new(connection, ::Arel::Collectors::SQLString.new)
        connection.visitor.compile(node, collector)
      rescue *FAILURES
        "(an SQL expression)"
      end

      # The rows an insert reported: from RETURNING where the database has it
      # (PostgreSQL), else from the driver's count for the last statement
      # (SQLite, MySQL); nil when neither says.
      def affected_rows(connection, result)
        return result.rows.size if result.respond_to?(:columns) && result.columns.any?

        driver = connection.instance_variable_get(:@connection) # not raw_connection: that ends lazy transactions
        return driver.changes if driver.respond_to?(:changes)

        driver.affected_rows if driver.respond_to?(:affected_rows)
      rescue *FAILURES
        nil
      end
    end
  end
end
