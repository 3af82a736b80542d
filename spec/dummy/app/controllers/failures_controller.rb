# frozen_string_literal: true

class FailuresController < ApplicationController
  class Kaboom < StandardError; end

  def boom
    raise Kaboom, "the controller blew up"
  end
end
