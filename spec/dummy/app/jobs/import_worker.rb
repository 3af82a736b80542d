# frozen_string_literal: true

# A plain Sidekiq worker that takes anything and does nothing with it.
class ImportWorker
  include Sidekiq::Worker
  sidekiq_options queue: "default", retry: false

  def perform(*_args); end
end
