# frozen_string_literal: true

# Takes anything, positional and keyword, and does nothing with it.
class SyncJob < ApplicationJob
  def perform(*_args, **_options); end
end
