# frozen_string_literal: true

require "strscan"

module EzlogsRubyAgent
  class HttpTracker
    # The operations a GraphQL document defines, as [type, name] pairs, found
    # in one pass over its tokens. The time is linear whatever the client
    # sends: each string or comment is skipped with one forward search, and
    # documents over MAX_BYTES are not read.
    class GraphqlDocument
      MAX_BYTES = 100_000
      TOKEN = /[{}()]|@?[_A-Za-z][_0-9A-Za-z]*/
      OTHER = /[^{}()@_A-Za-z"#]+/
      # What opens a string or comment, and what closes it.
      SKIPPED = [[/"""/, /"""/], [/"/, /(?<!\\)"/], [/#/, /\n/]].freeze
      OPERATION_TYPES = %w[query mutation subscription].freeze

      def initialize(text)
        @text = text
      end

      # [[type, name], ...]; a top-level block that follows no keyword is an
      # anonymous query. One ["unknown", nil] for a document too large to read.
      def operations
        return [["unknown", nil]] if @text.bytesize > MAX_BYTES

        @found = []
        @depth = 0
        @state = nil # what the top-level words since the last block began
        each_token { |token| read(token) }
        @found
      end

      private

      def each_token
        scanner = StringScanner.new(@text)
        until scanner.eos?
          token = scanner.scan(TOKEN)
          next yield(token) if token
          break unless skip_ignored(scanner)
        end
      end

      # Skips a string, a comment or other characters; false when a string
      # or comment never ends (the rest of the document is inside it).
      def skip_ignored(scanner)
        _opening, closing = SKIPPED.find { |(opening, _)| scanner.skip(opening) }
        return scanner.skip_until(closing) if closing

        scanner.skip(OTHER) || scanner.getch
      end

      def read(token)
        case token
        when "{", "(" then opened(token)
        when "}", ")" then @depth -= 1 if @depth.positive?
        else word(token) if @depth.zero? && !token.start_with?("@")
        end
      end

      def opened(token)
        block_opened if token == "{" && @depth.zero?
        @depth += 1
      end

      def block_opened
        @found << ["query", nil] if @state.nil?
        @state = nil
      end

      # An operation keyword starts a definition whose name may follow;
      # `fragment` starts one that is not an operation.
      def word(word)
        if OPERATION_TYPES.include?(word)
          @found << [word, nil]
          @state = :operation
        elsif word == "fragment"
          @state = :fragment
        elsif @state == :operation
          @found.last[1] = word
          @state = :named
        end
      end
    end
  end
end
