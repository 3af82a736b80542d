# frozen_string_literal: true

module EzlogsRubyAgent
  class Configuration
    # Which sources of events are on. All are on by default.
    class Instrumentation
      attr_accessor :http, :active_record, :active_job, :sidekiq, :mail, :custom

      def initialize
        @http = true
        @active_record = true
        @active_job = true
        @sidekiq = true
        @mail = true
        @custom = true
      end
    end
  end
end
