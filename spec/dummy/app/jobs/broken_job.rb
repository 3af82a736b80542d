# frozen_string_literal: true

class BrokenJob < ApplicationJob
  class Broken < StandardError; end

  def perform(*)
    raise Broken, "the job blew up"
  end
end
