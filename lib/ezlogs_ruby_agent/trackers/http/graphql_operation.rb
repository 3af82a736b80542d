# frozen_string_literal: true

require "json"
require_relative "graphql_document"

module EzlogsRubyAgent
  class HttpTracker
    # The operation a GraphQL request runs: its type (query, mutation,
    # subscription) read from the document, and its name. When the document
    # holds several operations, `operationName` picks one, as GraphQL does.
    class GraphqlOperation
      ANONYMOUS = "anonymous"

      MAX_BODY = 1_000_000

      attr_reader :type, :name, :variables

      # The operations of a GraphQL request: from the params the controller
      # parsed (and Rails filtered), else from the JSON body, filtered here as
      # Rails filters params. A batch is a JSON array (Rails puts it under
      # "_json"). Nil when there are none.
      def self.from_request(env, controller_params)
        payload = controller_params ? plain(controller_params) : filtered_body(env)
        payload = payload["_json"] || payload if payload.is_a?(Hash)
        found = Array(payload.is_a?(Hash) ? [payload] : payload).filter_map { |params| from_params(params) }
        found.empty? ? nil : found
      end

      def self.plain(params)
        params.respond_to?(:to_unsafe_h) ? params.to_unsafe_h : params
      end

      def self.filtered_body(env)
        body = json_body(env)
        body = { "_json" => body } if body.is_a?(Array)
        body.is_a?(Hash) ? AppFilter.params(body) : body
      end

      # The JSON body, read without consuming it.
      def self.json_body(env)
        input = env["rack.input"]
        return unless input.respond_to?(:rewind)

        input.rewind
        body = input.read(MAX_BODY)
        input.rewind
        JSON.parse(body.to_s)
      rescue JSON::ParserError, IOError, SystemCallError
        nil
      end

      # `params`: one operation's request parameters ("query",
      # "operationName", "variables").
      def self.from_params(params)
        params = plain(params)
        return unless params.is_a?(Hash)

        document = params["query"] || params[:query]
        name = params["operationName"] || params[:operationName]
        variables = params["variables"] || params[:variables]
        new(document.to_s, name&.to_s, variables)
      end

      def initialize(document, requested_name, variables)
        @type, found_name = find(GraphqlDocument.new(document).operations, requested_name)
        @name = requested_name || found_name || ANONYMOUS
        @variables = variables.is_a?(Hash) ? variables : nil
      end

      def label
        "#{type} #{name}"
      end

      def to_h
        { operation_type: type, operation_name: name, variables: }.compact
      end

      private

      def find(definitions, requested_name)
        chosen = definitions.find { |(_, name)| name == requested_name } if requested_name
        chosen || definitions.first || ["unknown", nil] # e.g. a persisted query sent by id only
      end
    end
  end
end
