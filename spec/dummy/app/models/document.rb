# frozen_string_literal: true

# A wiki page: optimistic locking (lock_version), a serialized column that
# can change in place, and a column a callback derives during the update.
# It keeps what `saved_changes` said in its own after_save, for the specs.
class Document < ApplicationRecord
  attr_reader :saved_changes_seen

  # The coder became a keyword in Rails 7.1.
  if ActiveRecord.version >= Gem::Version.new("7.1")
    serialize :tags, coder: JSON
  else
    serialize :tags, JSON
  end

  before_update { self.slug = title.to_s.parameterize if title_changed? }
  after_save { @saved_changes_seen = saved_changes.to_h }
end
