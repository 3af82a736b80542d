# frozen_string_literal: true

namespace :ezlogs do
  desc "Checks ezlogs_ruby_agent's setup: native extension, configuration, trackers, endpoint (a test event), spool"
  task doctor: :environment do
    exit(1) unless EzlogsRubyAgent::Doctor.new.run
  end

  desc "Sends one test event where ezlogs_ruby_agent sends events, and says whether it was delivered"
  task test_event: :environment do
    exit(1) unless EzlogsRubyAgent::Doctor.new.send_test_event
  end
end
