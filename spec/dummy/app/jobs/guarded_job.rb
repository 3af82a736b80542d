# frozen_string_literal: true

# A before_enqueue callback may refuse the job.
class GuardedJob < ApplicationJob
  before_enqueue { |job| throw :abort if job.arguments.first == "refuse" }

  def perform(note)
    note
  end
end
