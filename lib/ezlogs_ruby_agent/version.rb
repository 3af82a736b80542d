# frozen_string_literal: true

module EzlogsRubyAgent
  VERSION = "0.1.0"
end
