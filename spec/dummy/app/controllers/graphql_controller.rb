# frozen_string_literal: true

# Stands in for a GraphQL schema: the tracker reads the request, not this.
class GraphqlController < ApplicationController
  def execute
    render json: { data: {} }
  end
end
