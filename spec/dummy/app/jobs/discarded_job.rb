# frozen_string_literal: true

# Fails, and ActiveJob discards it: no retry.
class DiscardedJob < ApplicationJob
  class Gone < StandardError; end

  discard_on Gone

  def perform
    raise Gone, "nothing left to do"
  end
end
