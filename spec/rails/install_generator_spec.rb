# frozen_string_literal: true

require "rails/generators"

# `rails generate ezlogs_ruby_agent:install`, as an app runs it.
RSpec.describe "rails generate ezlogs_ruby_agent:install" do
  let(:root) { Dir.mktmpdir("ezlogs-generator", RAILS_SPEC_TMP) }
  let(:initializer) { File.read(File.join(root, "config/initializers/ezlogs_ruby_agent.rb")) }
  # Every option line, uncommented, without its help: "c.delivery.batch_size = 100".
  let(:option_lines) do
    initializer.lines.grep(/\A  # c\./).map { |line| line.sub("  # ", "").sub(/\s+# .*\z/m, "") }
  end

  before { Rails::Generators.invoke("ezlogs_ruby_agent:install", ["--quiet"], destination_root: root) }

  it "writes an initializer that names the service and loads" do
    expect(initializer).to include(%(  c.service_name = "dummy"\n))
    config = EzlogsRubyAgent::Configuration.new
    expect { eval(initializer.sub("EzlogsRubyAgent.configure do |c|", "config.tap do |c|")) } # rubocop:disable Security/Eval
      .not_to raise_error
    expect(config.service_name).to eq("dummy")
  end

  it "lists every option with its default" do
    fresh = EzlogsRubyAgent::Configuration.new
    shown = option_lines.to_h do |line|
      config = EzlogsRubyAgent::Configuration.new
      c = config # rubocop:disable Lint/UselessAssignment -- the name the line uses
      eval(line) # rubocop:disable Security/Eval
      path = line[/\Ac\.([\w.]+) =/, 1].split(".")
      [path.join("."), [path.reduce(config) { |object, name| object.public_send(name) },
                        path.reduce(fresh) { |object, name| object.public_send(name) }]]
    end
    shown.each do |option, (set, default)|
      expect(set).to eq(default), "#{option}: #{set.inspect} vs #{default.inspect}"
    end

    inert = %w[job_adapter performance.enable_async security.redacted_headers security.redacted_cookies]
    options = fresh.send(:option_names).flat_map do |name|
      next [name] unless EzlogsRubyAgent::Configuration::GROUPS.include?(name.to_sym)

      fresh.public_send(name).send(:option_names).map { |option| "#{name}.#{option}" }
    end
    expect(shown.keys + ["service_name"]).to match_array(options - inert)
  end

  it "is the list the README gives under Every option" do
    readme = File.read(File.expand_path("../../README.md", __dir__))
    listed = readme[/^### Every option\n.*?^```ruby\n(.*?)^```/m, 1]
    expect(listed).to eq(initializer[/^EzlogsRubyAgent.configure.*\z/m].sub('"dummy"', '"my-app"'))
  end
end
