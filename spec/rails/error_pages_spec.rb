# frozen_string_literal: true

# Apps that serve their error pages from their own routes
# (`config.exceptions_app = routes`): Rails' ShowExceptions dispatches the
# failed request again, as GET /404 or /500, to ErrorsController. The
# event describes the request as the app first routed it.
RSpec.describe "Requests answered by error pages from the app's routes" do
  let(:script) do
    <<~'RUBY'
      require "./spec/dummy/config/environment"
      ActiveRecord::Migration.verbose = false
      load "spec/dummy/db/schema.rb"
      requests = [["GET", "/users/999", {}], ["POST", "/users/999", { params: { _method: "delete" } }],
                  ["GET", "/boom", {}], ["GET", "/no/such/page", {}]]
      EzlogsRubyAgent.test_mode do
        requests.each do |method, path, options|
          env = Rack::MockRequest.env_for("http://localhost#{path}", "HTTP_HOST" => "localhost", method:, **options)
          _, _, body = Rails.application.call(env)
          body.close
        end
        events = EzlogsRubyAgent.captured_events.map { |entry| entry[:event] }
        puts JSON.generate(events.select { |event| event[:event_type] == "http.request" })
      end
    RUBY
  end

  it "keeps the route, subject and params of the request the app first routed, with the error page's status" do
    database = File.join(RAILS_SPEC_TMP, "error-pages.sqlite3")
    result = run_ruby(script, env: { "DUMMY_SHOW_EXCEPTIONS" => "true", "DUMMY_EXCEPTIONS_APP" => "routes",
                                     "DUMMY_DATABASE" => database, "RAILS_ENV" => "test" })
    expect(result).to be_success, result.stderr

    events = JSON.parse(result.stdout.lines.last, symbolize_names: true)
    described = events.map do |event|
      metadata = event[:metadata]
      [event[:action], metadata[:status], metadata[:route], event[:subject], metadata.dig(:error, :class),
       metadata[:params]]
    end
    expect(described).to eq(
      [["GET /users/999", 404, "users#show", { type: "user", id: "999" }, "ActiveRecord::RecordNotFound",
        { id: "999" }],
       ["DELETE /users/999", 404, "users#destroy", { type: "user", id: "999" }, "ActiveRecord::RecordNotFound",
        { _method: "delete", id: "999" }],
       ["GET /boom", 500, "failures#boom", nil, "FailuresController::Kaboom", nil],
       # Routed nowhere: no route and no subject, not the error page's.
       ["GET /no/such/page", 404, nil, nil, "ActionController::RoutingError", nil]]
    )
  end
end
