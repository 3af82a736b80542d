# frozen_string_literal: true

# Fails on every run; ActiveJob retries it once.
class StubbornJob < ApplicationJob
  retry_on IOError, attempts: 2, wait: 0

  def perform(note)
    raise IOError, "still failing: #{note}"
  end
end
