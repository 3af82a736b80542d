# frozen_string_literal: true

# The one line a Rails app adds. DUMMY_INSTRUMENTATION_OFF lets a spec boot
# the app with one switch turned off here, as an app would.
EzlogsRubyAgent.configure do |c|
  c.service_name = "dummy-shop"
  ENV.fetch("DUMMY_INSTRUMENTATION_OFF", "").split(",").each do |switch|
    c.instrumentation.public_send(:"#{switch}=", false)
  end
end
