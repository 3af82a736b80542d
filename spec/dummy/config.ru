# frozen_string_literal: true

# For `rails server` on the dummy app (a spec boots one).
require_relative "config/environment"
run Rails.application
