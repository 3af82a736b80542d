# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # A Ruby Regexp written for the Rust `regex` crate, with the same
    # meaning, or why that cannot be done. Flags become inline flags (Ruby's
    # `m`, dot matches newline, is Rust's `s`), and since Ruby's ^ and $ are
    # line anchors the source starts with Rust's (?m). Ruby's \d \w \s \h are
    # ASCII-only, Rust's are Unicode: they are spelt out as ASCII classes.
    # Syntax whose meaning differs and that is not rewritten here (POSIX
    # brackets, \p{}, Ruby-only escapes) is refused, and the filter is then
    # applied in Ruby; syntax Rust lacks is left for its compiler to refuse.
    class RustRegexp
      CLASSES = {
        "d" => "[0-9]", "D" => "[^0-9]", "w" => "[0-9A-Za-z_]", "W" => "[^0-9A-Za-z_]",
        "s" => "[\\t\\n\\v\\f\\r ]", "S" => "[^\\t\\n\\v\\f\\r ]", "h" => "[0-9a-fA-F]", "H" => "[^0-9a-fA-F]"
      }.freeze
      # Escapes that mean the same in both (\b is Unicode-aware in both).
      SAME = %w[A z b B n t r f v a].freeze
      ANCHORS = %w[A z b B].freeze
      # Ruby's \< and \> are the characters; Rust's are word boundaries.
      LITERAL = %w[< > /].freeze
      INLINE_FLAGS = /\G\(\?([imx]*)(?:-([imx]*))?([:)])/

      # [rust_source, nil], or [nil, why it cannot be written for Rust].
      def self.translate(regexp)
        new(regexp).translate
      end

      # `translate`, refused also when the native matcher does not compile
      # the result (the last line of its compiler's message says why).
      def self.native(regexp)
        source, refused = translate(regexp)
        refused ||= Native.regex_error(source)&.lines&.last&.strip&.delete_prefix("error: ")
        refused ? [nil, refused] : [source, nil]
      end

      def initialize(regexp)
        @source = regexp.source
        @options = regexp.options
        @out = +""
        @position = 0
        @class_depth = 0
      end

      def translate
        return [nil, "its encoding"] unless @source.valid_encoding? && @source.encoding.ascii_compatible?

        step while @position < @source.length
        [flags + @out, nil]
      rescue Refused => e
        [nil, e.message]
      end

      # What the translator cannot write with the same meaning.
      class Refused < StandardError; end

      private

      def flags
        flags = +"m"
        flags << "i" if @options.anybits?(Regexp::IGNORECASE)
        flags << "s" if @options.anybits?(Regexp::MULTILINE)
        flags << "x" if extended?
        "(?#{flags})"
      end

      def extended?
        @options.anybits?(Regexp::EXTENDED)
      end

      def step
        char = @source[@position]
        if char == "\\" then take(escaped(@source[@position + 1].to_s), 2)
        elsif @class_depth.positive? then class_member(char)
        elsif char == "[" then open_class
        elsif @source[@position, 2] == "(?" then group
        elsif char == "#" && extended? then comment
        else
          take(char)
        end
      end

      def take(text, length = text.length)
        @out << text
        @position += length
      end

      def escaped(char)
        return CLASSES[char] if CLASSES.key?(char)
        return char if LITERAL.include?(char)
        return "\\#{char}" if same_escape?(char)

        raise Refused, "the escape \\#{char}"
      end

      # An anchor means nothing (\A, \z) or something else (\b, backspace
      # in Ruby) inside a class.
      def same_escape?(char)
        return @class_depth.zero? || !ANCHORS.include?(char) if SAME.include?(char)

        char.ascii_only? && char.match?(/[[:punct:] ]/)
      end

      def open_class
        raise Refused, "POSIX bracket classes, which Ruby matches in Unicode" if @source[@position + 1] == ":"
        raise Refused, "a class starting with ]" if @source[@position + 1..].start_with?("]", "^]")

        @class_depth += 1
        take("[")
      end

      def close_class
        @class_depth -= 1
        take("]")
      end

      # Rust sets `--` and `~~` apart as class operators; in extended mode
      # it also ignores whitespace and comments inside a class, where Ruby
      # keeps them as characters.
      def class_member(char)
        return open_class if char == "["
        return close_class if char == "]"

        raise Refused, "#{@source[@position, 2]} in a class" if %w[-- ~~].include?(@source[@position, 2])
        return take(format("\\x{%X}", char.ord), 1) if extended? && char.match?(/[\s#]/)

        take(char)
      end

      # Inline flags: Ruby's m is Rust's s. Turning extended mode on or off
      # inside the pattern would change where comments are, and is refused.
      def group
        match = INLINE_FLAGS.match(@source, @position)
        return take("(?") unless match

        on, off, close = match.captures
        raise Refused, "inline extended mode" if on.include?("x") || (off.to_s.include?("x") && extended?)

        take(rust_flags(on, off.to_s, close), match[0].length)
      end

      # An x left here turns extended mode off where it was off already.
      def rust_flags(on, off, close)
        on, off = [on, off].map { |set| set.tr("m", "s").delete("x") }
        flags = off.empty? ? on : "#{on}-#{off}"
        # "(?-x)" in a pattern that is not extended changes nothing.
        close == ")" && flags.empty? ? "" : "(?#{flags}#{close}"
      end

      # Extended mode's comments run to the end of the line in both.
      def comment
        ending = @source.index("\n", @position) || @source.length
        take(@source[@position...ending])
      end
    end
  end
end
