# frozen_string_literal: true

# Fails on its first run and is retried by ActiveJob.
class FlakyJob < ApplicationJob
  class Hiccup < StandardError; end

  retry_on Hiccup, wait: 0, attempts: 2

  def perform(note)
    raise Hiccup, "first attempt fails" if executions < 2

    "#{note} on attempt #{executions}"
  end
end
