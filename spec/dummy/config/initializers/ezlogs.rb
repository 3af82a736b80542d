# frozen_string_literal: true

# The one line a Rails app adds. DUMMY_INSTRUMENTATION_OFF lets a spec boot
# the app with one switch turned off here, as an app would, and
# DUMMY_AGENT_OFF with the whole agent off, DUMMY_SPOOL_DIR with a spool,
# DUMMY_INITIALIZER with another initializer.
if ENV["DUMMY_INITIALIZER"]
  # Another app's initializer, in place of this one (spec/compat).
  load ENV["DUMMY_INITIALIZER"]
else
  EzlogsRubyAgent.configure do |c|
    c.service_name = "dummy-shop"
    c.enabled = false if ENV["DUMMY_AGENT_OFF"]
    c.delivery.spool_dir = ENV["DUMMY_SPOOL_DIR"] if ENV["DUMMY_SPOOL_DIR"]
    ENV.fetch("DUMMY_INSTRUMENTATION_OFF", "").split(",").each do |switch|
      c.instrumentation.public_send(:"#{switch}=", false)
    end
  end
end
