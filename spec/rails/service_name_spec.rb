# frozen_string_literal: true

# The service an event names comes from the app: the setting, then
# EZLOGS_SERVICE_NAME, then the Rails application's module, then the
# folder. A source that gives nothing (a blank name) is skipped: an empty
# service is never sent.
RSpec.describe "The service name of an app whose Application class is not inside a module" do
  # Started from another folder, as `sidekiq -r /srv/corner-shop` from `/`
  # is: the name is still the app's folder's (Rails.root).
  it "is the app's folder name, whatever folder the process started in" do
    folder = File.join(RAILS_SPEC_TMP, "corner-shop")
    FileUtils.mkdir_p(File.join(folder, "config"))
    File.write(File.join(folder, "config.ru"), "")
    File.write(File.join(folder, "config", "application.rb"), <<~RUBY)
      require "logger"
      require "rails"
      require "ezlogs_ruby_agent"
      class ShopApplication < Rails::Application
        config.eager_load = false
        config.logger = Logger.new(nil)
        config.secret_key_base = "x" * 64
      end
    RUBY
    script = <<~RUBY
      require "#{folder}/config/application"
      Rails.application.initialize!
      EzlogsRubyAgent.test_mode do
        EzlogsRubyAgent.log_event(event_type: "shop.opened", action: "opened", actor: { type: "system", id: "s" })
        print JSON.generate([EzlogsRubyAgent.config.service_name,
                             EzlogsRubyAgent.captured_events.first[:event][:platform][:service]])
      end
    RUBY
    result = run_ruby(script, chdir: "/", env: { "RAILS_ENV" => "production" })
    expect(result).to be_success, result.stderr
    expect(JSON.parse(result.stdout)).to eq(%w[corner-shop corner-shop])
  end
end
