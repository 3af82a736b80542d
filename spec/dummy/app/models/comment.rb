# frozen_string_literal: true

# Keeps its ticket's comments_count with Rails' counter cache.
class Comment < ApplicationRecord
  belongs_to :ticket, counter_cache: true
end
