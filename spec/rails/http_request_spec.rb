# frozen_string_literal: true

RSpec.describe EzlogsRubyAgent::HttpTracker do
  before do
    insert_row("accounts", id: 7, name: "Acme")
    insert_row("users", id: 123, account_id: 7, name: "Ada", email: "ada@example.com")
  end

  # As in production: Rails renders error pages instead of raising.
  def with_error_pages
    config = Rails.application.env_config
    config["action_dispatch.show_exceptions"] = Dummy.show_exceptions(true)
    yield
  ensure
    config["action_dispatch.show_exceptions"] = Dummy.show_exceptions(false)
  end

  def request_event
    events = events_of("http.request")
    expect(events.size).to eq(1), "expected one http.request, got #{events.map { |e| e[:action] }}"
    events.first
  end

  it "is the first middleware of the app, so it sees requests other middleware answers" do
    expect(Rails.application.middleware.first.klass).to eq(described_class)

    get "/users/123", {}, { "HTTP_HOST" => "attacker.test" } # answered by Rails' HostAuthorization

    expect(last_response.status).to eq(403)
    expect(request_event[:metadata]).to include(status: 403, path: "/users/123")
    expect(request_event[:metadata]).not_to have_key(:route)
  end

  # ActiveRecord reports the Integer 0 for an action that ran no query.
  it "gives a request without a query a db_runtime_ms of 0.0" do
    get "/whoami"

    expect(last_response.status).to eq(200)
    expect(request_event[:metadata][:db_runtime_ms]).to eql(0.0)
    expect(request_event[:metadata][:view_runtime_ms]).to be_a(Float).and(be >= 0)
  end

  it "keeps nothing of the controller's work while instrumentation.http is off" do
    key = EzlogsRubyAgent::HttpTracker::ControllerDetails::KEY
    get "/users/123"
    expect(last_request.env[key]).to include(:params, :path_parameters)

    EzlogsRubyAgent.config.instrumentation.http = false
    get "/users/123"

    expect(last_response.status).to eq(200)
    expect(last_request.env).not_to have_key(key)
    expect(events_of("http.request").size).to eq(1)
  end

  it "describes a routed request: action, route, subject, status, timing and the controller's runtimes" do
    get "/users/123?include=orders", {}, { "HTTP_USER_AGENT" => "spec-agent/1.0", "HTTP_X_USER_ID" => "123",
                                           "HTTP_ACCEPT" => "application/json" }

    expect(last_response.status).to eq(200)
    event = request_event
    expect(event[:action]).to eq("GET /users/123")
    expect(event[:subject]).to eq(type: "user", id: "123")
    expect(event[:actor]).to eq(type: "user", id: "123")
    expect(event[:metadata]).to include(method: "GET", path: "/users/123", status: 200, route: "users#show",
                                        format: "json", user_agent: "spec-agent/1.0", ip: "127.0.0.1",
                                        params: { include: "orders", id: "123" })
    expect(event[:metadata][:content_type]).to start_with("application/json")
    expect(event[:metadata][:content_length]).to eq(last_response.body.bytesize)
    expect(event[:metadata][:db_runtime_ms]).to be_a(Float).and(be >= 0)
    expect(event[:metadata][:view_runtime_ms]).to be_a(Float).and(be >= 0)
    expect(event[:timing][:duration_ms]).to be > 0
    expect(event[:metadata][:duration_ms]).to eq(event[:timing][:duration_ms])
    expect(event[:metadata][:request_id]).to eq(last_response.headers["X-Request-Id"])
    expect(event[:correlation][:request_id]).to eq(event[:metadata][:request_id])
  end

  it "describes an uploaded file by its name, type and size" do
    upload = Rack::Test::UploadedFile.new(StringIO.new("hello"), "text/plain", original_filename: "note.txt")
    post "/users", { user: { name: "Ada", email: "ada@example.org", avatar: upload } }

    params = request_event[:metadata][:params]
    expect(params[:user]).to include(name: "Ada", avatar: { filename: "note.txt", content_type: "text/plain", size: 5 })
    expect(request_event.to_s).not_to include("Content-Disposition")
  end

  it "takes the client IP through trusted proxies" do
    get "/users/123", {}, { "REMOTE_ADDR" => "10.0.0.1", "HTTP_X_FORWARDED_FOR" => "203.0.113.9, 10.0.0.2" }

    expect(request_event[:metadata][:ip]).to eq("203.0.113.9")
  end

  # Rails' RemoteIp took its proxies when the app booted (see
  # boot_settings_spec.rb); a request answered before it is given the same
  # rule from the app's settings.
  it "believes the proxies the app trusts (action_dispatch.trusted_proxies) before Rails' RemoteIp too" do
    forwarded = { "REMOTE_ADDR" => "203.0.113.1", "HTTP_X_FORWARDED_FOR" => "198.51.100.7, 203.0.113.9",
                  "HTTP_HOST" => "attacker.test" }
    [[IPAddr.new("203.0.113.0/24")], ["203.0.113.1", /\A203\.0\.113\.9\z/]].each do |proxies|
      Rails.application.config.action_dispatch.trusted_proxies = proxies
      quietly { EzlogsRubyAgent.configure }
      get "/users/123", {}, forwarded
    end

    expect(events_of("http.request").map { |event| event[:metadata][:status] }).to eq([403, 403])
    expect(events_of("http.request").map { |event| event[:metadata][:ip] }).to eq(%w[198.51.100.7 198.51.100.7])
  ensure
    Rails.application.config.action_dispatch.trusted_proxies = nil
  end

  # The address the app itself saw, when it asked Rails (RemoteIp kept its
  # boot-time proxies here, the core has the app's new ones).
  it "reports the address Rails gave the app when the app asked for it" do
    Rails.application.config.action_dispatch.trusted_proxies = [IPAddr.new("203.0.113.0/24")]
    quietly { EzlogsRubyAgent.configure }
    forwarded = { "REMOTE_ADDR" => "203.0.113.1", "HTTP_X_FORWARDED_FOR" => "198.51.100.7, 203.0.113.9" }
    get "/my_ip", {}, forwarded
    seen_by_app = last_response.body
    get "/users/123", {}, forwarded

    expect(seen_by_app).to eq("203.0.113.9")
    expect(events_of("http.request").map { |event| event[:metadata][:ip] }).to eq([seen_by_app, "198.51.100.7"])
  ensure
    Rails.application.config.action_dispatch.trusted_proxies = nil
  end

  # Rails 6.1 adds a single value to its default proxies; Rails 7 refuses
  # it at boot.
  it "gives the address Rails' remote_ip gives for a single trusted proxy, IPAddr or String",
     skip: (Rails::VERSION::MAJOR >= 7 && "Rails #{Rails.version} refuses a single value") do
    forwarded = { "REMOTE_ADDR" => "10.0.0.1", "HTTP_X_FORWARDED_FOR" => "6.6.6.6, 10.0.0.2",
                  "HTTP_HOST" => "attacker.test" }
    settings = [IPAddr.new("203.0.113.0/24"), "203.0.113.0/24", "10.0.0.1"]
    rails_answers = settings.map do |proxies|
      remote_ip = ActiveSupport::Deprecation.silence { ActionDispatch::RemoteIp.new(->(_) {}, true, proxies) }
      env = Rack::MockRequest.env_for("/", forwarded)
      remote_ip.call(env)
      ActionDispatch::Request.new(env).remote_ip
    end
    settings.each do |proxies|
      Rails.application.config.action_dispatch.trusted_proxies = proxies
      quietly { EzlogsRubyAgent.configure }
      get "/users/123", {}, forwarded
    end

    expect(rails_answers).to eq(%w[6.6.6.6 6.6.6.6 6.6.6.6])
    expect(events_of("http.request").map { |event| event[:metadata][:ip] }).to eq(rails_answers)
  ensure
    Rails.application.config.action_dispatch.trusted_proxies = nil
  end

  it "reports the peer's address, never a forwarded one, when Rails takes the headers for IP spoofing" do
    get "/users/123", {}, { "REMOTE_ADDR" => "10.0.0.1", "HTTP_X_FORWARDED_FOR" => "198.51.100.7",
                            "HTTP_CLIENT_IP" => "192.0.2.66" }
    get "/users/123", {}, { "REMOTE_ADDR" => "10.0.0.1", "HTTP_X_FORWARDED_FOR" => "198.51.100.7",
                            "HTTP_CLIENT_IP" => "192.0.2.66", "HTTP_HOST" => "attacker.test" }

    expect(events_of("http.request").map { |event| event[:metadata][:ip] }).to eq(%w[10.0.0.1 10.0.0.1])
  end

  it "honours an incoming X-Request-ID and traceparent, and answers with the request id" do
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    get "/users/123", {}, { "HTTP_X_REQUEST_ID" => "req-from-proxy-42", "HTTP_TRACEPARENT" => traceparent }

    expect(last_response.headers["X-Request-Id"]).to eq("req-from-proxy-42")
    expect(request_event[:correlation]).to include(request_id: "req-from-proxy-42",
                                                   trace_id: "4bf92f3577b34da6a3ce929d0e0e4736")
  end

  it "sanitises an unsafe X-Request-ID as Rails does" do
    get "/users/123", {}, { "HTTP_X_REQUEST_ID" => "abc<script>def" }

    expect(request_event[:correlation][:request_id]).to eq("abcscriptdef")
    expect(last_response.headers["X-Request-Id"]).to eq("abcscriptdef")
  end

  # Servers hand header values over as binary strings: a stray byte is
  # dropped as Rails drops it, and the rest of the client's id is kept.
  it "keeps an X-Request-ID with a byte that is not UTF-8 as Rails does" do
    get "/users/123", {}, { "HTTP_X_REQUEST_ID" => "req-1\xFF\xC3\xA9x".b }

    expect(request_event[:correlation][:request_id]).to eq("req-1x")
    expect(last_response.headers["X-Request-Id"]).to eq("req-1x")
  end

  # Rack 3 requires lower-case header names (Rack::Lint checks them).
  it "answers a bare Rack app through Rack::Lint with the request id header in the Rack version's form" do
    app = ->(_env) { [200, { "content-type" => "text/plain" }, ["ok"]] }
    status, headers, body = Rack::Lint.new(described_class.new(app)).call(Rack::MockRequest.env_for("/lint"))
    chunks = []
    body.each { |chunk| chunks << chunk }
    body.close

    expect([status, chunks]).to eq([200, ["ok"]])
    name = Gem::Version.new(Rack.release) >= Gem::Version.new("3") ? "x-request-id" : "X-Request-ID"
    expect(headers[name]).to eq(request_event[:correlation][:request_id])
  end

  it "reads the response headers the app wrote in any case, and leaves its X-Request-ID as it is" do
    written = { "X-REQUEST-ID" => "app-1", "Content-type" => "text/csv", "CONTENT-LENGTH" => "2" }
    app = ->(_env) { [200, written.dup, ["ok"]] }
    _status, headers, _body = described_class.new(app).call(Rack::MockRequest.env_for("/any-case"))

    expect(headers).to eq(written)
    expect(request_event[:metadata]).to include(content_type: "text/csv", content_length: 2)
  end

  # A Rack 3 streaming body answers `call(stream)`, not `each`.
  it "hands a streaming body on as one, runs it in the request's context and records the request once it has streamed",
     skip: (Gem::Version.new(Rack.release) < Gem::Version.new("3") && "Rack #{Rack.release} has no streaming bodies") do
    app = lambda do |_env|
      [200, { "content-type" => "text/plain" }, lambda { |stream|
        stream.write("streamed")
        User.create!(name: "Streamed", email: "streamed@example.com")
        stream.close
      }]
    end
    _status, _headers, body = Rack::Lint.new(described_class.new(app)).call(Rack::MockRequest.env_for("/stream"))
    expect(body).not_to respond_to(:each)
    expect(events_of("http.request")).to be_empty

    stream = StringIO.new
    body.call(stream)

    expect(stream.string).to eq("streamed")
    expect(request_event[:metadata]).to include(status: 200, path: "/stream", content_length: 8)
    expect(events_of("data.change").first[:correlation]).to include(parent_event_id: request_event[:event_id])
  end

  it "records what an ActionController::Live action raised once it had started the response, which Rails only logs" do
    get "/stream/failing"

    expect(last_response.body).to eq("line 0\n")
    expect(request_event[:metadata]).to include(status: 200, route: "streams#failing",
                                                error: include(class: "ArgumentError", message: "the export failed"))
  end

  describe "a body the server can take whole (to_ary: Puma 6 sends it with a Content-Length)" do
    def body_of(path)
      Rails.application.call(Rack::MockRequest.env_for(path, "HTTP_HOST" => "example.org"))[2]
    end

    it "answers to_ary as the app's body does, and records what the server sent" do
      EzlogsRubyAgent.config.instrumentation.http = false
      untracked = body_of("/users/123")
      untracked_whole = untracked.respond_to?(:to_ary) && untracked.to_ary
      untracked.close
      EzlogsRubyAgent.config.instrumentation.http = true

      tracked = body_of("/users/123")
      expect(tracked.respond_to?(:to_ary)).to eq(untracked.respond_to?(:to_ary))
      whole = tracked.to_ary
      expect(whole).to be_an(Array).and(eq(untracked_whole))
      # Rack's SPEC: to_ary closes the body, so the request is recorded now.
      expect(request_event[:metadata]).to include(status: 200, path: "/users/123", content_length: whole.join.bytesize)
      tracked.close
      expect(events_of("http.request").size).to eq(1)
    end

    it "leaves a body whose to_ary answers nil (Rails 6.1's response body) open for each" do
      body = Struct.new(:parts) do
        def each(&) = parts.each(&)
        def to_ary = nil
      end.new(["ok"])
      tracked = described_class.new(->(_env) { [200, { "Content-Type" => "text/plain" }, body] })
                               .call(Rack::MockRequest.env_for("/export"))[2]

      expect(tracked.to_ary).to be_nil
      expect(events_of("http.request")).to be_empty
      expect(tracked.enum_for(:each).to_a).to eq(["ok"])
      tracked.close
      expect(request_event[:metadata]).to include(status: 200, content_length: 2)
    end
  end

  describe "a body the server writes after the app returned" do
    # What a server does: writes each part, then closes the body.
    def write(body)
      written = +""
      body.each { |part| written << part }
      written
    ensure
      body.close
    end

    def streamed(&)
      tracker = described_class.new(->(_env) { [200, { "Content-Type" => "text/plain" }, Enumerator.new(&)] })
      tracker.call(Rack::MockRequest.env_for("/export"))[2]
    end

    it "does its work in the request's context" do
      body = streamed do |out|
        out << "a"
        User.create!(name: "Streamed", email: "streamed@example.com")
        out << "b"
      end
      expect(EzlogsRubyAgent.current_correlation_context).to be_nil
      expect(write(body)).to eq("ab")

      request = request_event
      expect(events_of("data.change").first[:correlation])
        .to include(parent_event_id: request[:event_id], flow_id: request[:correlation][:flow_id],
                    request_id: request[:correlation][:request_id], trace_id: request[:correlation][:trace_id])
      expect(EzlogsRubyAgent.current_correlation_context).to be_nil
    end

    it "records what it raises as the request's error, with the status that was sent" do
      body = streamed do |out|
        out << "a"
        raise ArgumentError, "export failed"
      end
      expect { write(body) }.to raise_error(ArgumentError)

      expect(request_event[:metadata]).to include(status: 200, content_length: 1,
                                                  error: include(class: "ArgumentError", message: "export failed"))
    end

    it "records no error when the server's own write fails (a client that went away)" do
      body = streamed { |out| out << "a" << "b" }
      client_gone = ->(_part) { raise Errno::EPIPE }
      expect { body.each(&client_gone) }.to raise_error(Errno::EPIPE)
      body.close

      expect(request_event[:metadata]).not_to have_key(:error)
    end

    it "records what the body raises after it rescued a failed write" do
      body = streamed do |out|
        out << "a"
      rescue Errno::EPIPE
        raise IOError, "export aborted"
      end
      client_gone = ->(_part) { raise Errno::EPIPE }
      expect { body.each(&client_gone) }.to raise_error(IOError)
      body.close

      expect(request_event[:metadata][:error]).to include(class: "IOError", message: "export aborted")
    end

    it "records no error when a Rack 3 streaming body's stream fails, and what the body itself raises",
       skip: (Rack.release.to_i < 3 && "Rack #{Rack.release} has no streaming bodies") do
      gone = StringIO.new
      %i[flush close].each { |name| gone.define_singleton_method(name) { raise Errno::EPIPE } }
      streamings = [->(stream) { stream << "ab" << "c" }, ->(stream) { stream.write("a", "b").then { stream.flush } },
                    ->(stream) { stream.write("a").then { stream.close } }, ->(_) { raise ArgumentError, "failed" }]
      passed_through = streamings.map do |streaming|
        body = described_class.new(->(_env) { [200, {}, streaming] }).call(Rack::MockRequest.env_for("/export"))[2]
        body.call(gone)
        nil
      rescue StandardError => e
        e.class
      end

      expect(passed_through).to eq([nil, Errno::EPIPE, Errno::EPIPE, ArgumentError])
      appended, flushed, closed, raised = events_of("http.request").map { |event| event[:metadata] }
      expect([appended, flushed, closed].map { |metadata| metadata.slice(:error, :content_length) })
        .to eq([{ content_length: 3 }, { content_length: 2 }, { content_length: 1 }])
      expect(raised[:error]).to include(class: "ArgumentError")
    end
  end

  it "gives the response an X-Request-ID even when middleware before Rails' answers" do
    get "/users/123", {}, { "HTTP_HOST" => "attacker.test" }

    expect(last_response.headers["X-Request-ID"]).to eq(request_event[:correlation][:request_id])
  end

  it "redacts params: secret field names, Rails filter_parameters and PII values" do
    post "/users", { user: { name: "Bob", email: "bob@example.com", password: "hunter2", passw: "p4ss",
                             secret_answer: "blue" } }

    event = request_event
    json = JSON.generate(event)
    %w[hunter2 p4ss blue bob@example.com].each { |secret| expect(json).not_to include(secret) }
    expect(event[:metadata][:params][:user][:name]).to eq("Bob")
    expect(event[:metadata][:status]).to eq(201)
  end

  # Rails filters the route's parameter in the params, and its own log
  # shows the path whole; the event shows neither.
  it "masks in the path the value of a route parameter the app filters" do
    get "/invitations/inv-S3CRET%2Bcode/accept", { ref: "mail" }

    event = request_event
    expect(JSON.generate(event)).not_to include("S3CRET")
    expect(event[:action]).to eq("GET /invitations/[REDACTED]/accept")
    expect(event[:metadata]).to include(path: "/invitations/[REDACTED]/accept", route: "users#whoami",
                                        params: { invite_code: "[REDACTED]", ref: "mail" })
    # A value with characters outside ASCII, a short one that other
    # segments contain, a glob's several segments before a format.
    get "/invitations/S3CR%C3%89T-t%C3%B6k/accept"
    get "/invitations/e/accept"
    get "/shared/S3CRET/T0KEN/x.json"
    get "/users/123"
    paths = events_of("http.request").drop(1).map { |e| e[:metadata][:path] }
    expect(paths).to eq(["/invitations/[REDACTED]/accept", "/invitations/[REDACTED]/accept", "/shared/[REDACTED].json",
                         "/users/123"])
    expect(events_of("http.request")[1][:metadata][:params]).to eq(invite_code: "[REDACTED]")
    expect(JSON.generate(events_of("http.request"))).not_to include("S3CR", "T0KEN")
  end

  # No controller filtered its params: filter_parameters decide, as Rails
  # would apply them.
  it "masks a filtered route value that a Rack app, not a controller, answered" do
    get "/invitation_badges/S3CRET-b4dge"
    get "/badges/7"

    paths = events_of("http.request").map { |event| event[:action] }
    expect(paths).to eq(["GET /invitation_badges/[REDACTED]", "GET /badges/7"])
  end

  # An action that looks a filtered value up raises an error that quotes
  # it; the event's error shows it masked, as its path and params do.
  it "masks the request's filtered values in its error's message" do
    messages = []
    expect { get "/invitations/S3CRET-p4th" }.to raise_error(ActiveRecord::RecordNotFound) { |e| messages << e.message }
    expect { get "/invitation_codes", { invite_code: "S3CRET-qu3ry", ref: "mail" } }
      .to raise_error(ActiveRecord::RecordNotFound) { |e| messages << e.message }
    # A number in a JSON body, which the message quotes as its digits.
    expect { post "/invitation_codes", JSON.generate(invite_code: 48_291_377), "CONTENT_TYPE" => "application/json" }
      .to raise_error(ActiveRecord::RecordNotFound) { |e| messages << e.message }
    expect { get "/users/0", { ref: "S3" } }.to raise_error(ActiveRecord::RecordNotFound) { |e| messages << e.message }

    errors = events_of("http.request").map { |event| event[:metadata][:error] }
    expect(messages.first(3)).to all(match(/S3CRET|48291377/))
    expect(errors.map { |error| error[:class] }).to all(eq("ActiveRecord::RecordNotFound"))
    expect(errors.first(3).map { |error| error[:message] })
      .to eq(messages.first(3).map { |message| message.sub(/S3CRET-\w+|48291377/, "[REDACTED]") })
    expect(errors.last[:message]).to eq(messages.last)
    expect(JSON.generate(events_of("http.request"))).not_to include("S3CR", "48291377")
  end

  # Rails quotes the value as String#inspect writes it, which escapes
  # `#{`, quotes and control characters.
  it "masks a filtered value where its error's message quotes it as String#inspect writes it" do
    code = "S3CRET-\#{q}\"\u0001ñ"
    message = nil
    expect { get "/invitation_codes", { invite_code: code } }
      .to raise_error(ActiveRecord::RecordNotFound) { |error| message = error.message }

    expect(message).to include(code.inspect[1..-2])
    expect(events_of("http.request").first[:metadata][:error][:message])
      .to eq(message.sub(code.inspect[1..-2], "[REDACTED]"))
  end

  # A URL in a message (an HTTP client's error) writes a token as the
  # query string does, %-encoded.
  it "masks a filtered value where its error's message quotes it %-encoded" do
    code = "S3CRET/k+ey=="
    message = nil
    expect { get "/relay", { invite_code: code, page: "2" } }
      .to raise_error(FailuresController::Upstream) { |error| message = error.message }

    expect(message).to include("invite_code=#{CGI.escape(code)}&")
    expect(events_of("http.request").first[:metadata][:error][:message])
      .to eq(message.sub(CGI.escape(code), "[REDACTED]"))
  end

  # PII detection reads a path as the client %-encoded it, too (Rails 6.1
  # does not filter `email`; a client may send `@` as `%40`).
  it "redacts an e-mail address in the path and the action, also %-encoded" do
    get "/badges/lovelace@example.com"
    get "/badges/lovelace%40example.com"

    events = events_of("http.request")
    expect(events.map { |event| [event[:action], event[:metadata][:path]] })
      .to all(eq(["GET [REDACTED]", "[REDACTED]"]))
    expect(JSON.generate(events)).not_to include("lovelace")
  end

  # Rails takes the last dot's suffix off a path as its format: the route's
  # id for /users/ada@example.com is "ada@example", the format "com".
  it "redacts an e-mail address Rails split into a route's id and its format" do
    message = nil
    expect { get "/users/ada@example.com" }
      .to raise_error(ActiveRecord::RecordNotFound, /ada@example/) { |error| message = error.message }

    event = events_of("http.request").first
    expect(event.slice(:action, :subject)).to eq(action: "GET [REDACTED]", subject: { type: "user", id: "[REDACTED]" })
    expect(event[:metadata][:params]).to eq(id: "[REDACTED]", format: "com")
    expect(event[:metadata][:error][:message]).to eq(message.sub("ada@example", "[REDACTED]"))
    expect(JSON.generate(event)).not_to include("ada@")
  end

  # Routes other than "controller#action": the router hands a mounted app
  # the path after its prefix; a route to `UsersController.action(:whoami)`,
  # or a mount of one, runs the controller with only the route's own
  # parameters; and Rails refuses route values that are not UTF-8 before
  # any controller runs.
  it "masks a filtered route value of a mounted app, of a route to a controller's action, and one Rails refused" do
    get "/invitation_files/S3CRET-f1le/terms.pdf"
    get "/invitation_cards/S3CRET-c4rd"
    get "/invitation_links/S3CRET-l1nk"
    expect { get "/invitations/S3CRET%FF/accept" }.to raise_error(ActionController::BadRequest)

    expect(events_of("http.request").map { |event| event[:action] })
      .to eq(["GET /invitation_files/[REDACTED]/terms.pdf", "GET /invitation_cards/[REDACTED]",
              "GET /invitation_links/[REDACTED]", "GET /invitations/[REDACTED]/accept"])
    expect(JSON.generate(events_of("http.request"))).not_to include("S3CR")
  end

  # Rails' ParseError (up to Rails 7.0) and BadRequest carry the parser's
  # message, which quotes the text it failed to parse.
  it "leaves what a parser quotes out of an error's message: a malformed body or query may hold a password" do
    raised = []
    body = '{"user":{"name":"Bob","password":"hunter2-json",'
    expect { post "/users", body, { "CONTENT_TYPE" => "application/json" } }
      .to raise_error(ActionDispatch::Http::Parameters::ParseError) { |error| raised << error.message }
    json_error = request_event[:metadata][:error]
    env = Rack::MockRequest.env_for("http://example.org/users/123", "HTTP_HOST" => "example.org")
                           .merge("QUERY_STRING" => "user[password]=hunter2-query%E")
    expect { app.call(env) }.to raise_error(ActionController::BadRequest, /hunter2-query/) { |e| raised << e.message }
    # A byte that is not UTF-8, which Rails' encoding check quotes bare.
    env = Rack::MockRequest.env_for("http://example.org/users/123?user[password]=hunter2-encoding%FF",
                                    "HTTP_HOST" => "example.org")
    expect { app.call(env) }.to raise_error(ActionController::BadRequest, /hunter2-enc/) { |e| raised << e.message }

    errors = [json_error, *events_of("http.request").last(2).map { |event| event[:metadata][:error] }]
    expect(JSON.generate(events_of("http.request"))).not_to include("hunter2")
    expect(errors.map { |error| error[:class] })
      .to eq(%w[ActionDispatch::Http::Parameters::ParseError ActionController::BadRequest ActionController::BadRequest])
    # Up to the first quote, on Rails versions whose message quotes.
    expected = raised.map do |message|
      message.include?("hunter2") ? "#{message[/\A([^'"(`]*?for parameter: |[^'"(`]*)/]}[FILTERED]" : message
    end
    expect(errors.map { |error| error[:message] }).to eq(expected)
    expect(expected.last(2)).to all(end_with("[FILTERED]"))
    expect(expected.last).to end_with("Invalid encoding for parameter: [FILTERED]")
    anonymous = Class.new(ArgumentError).new("x") # named by the class it inherits from
    expect(EzlogsRubyAgent::Tracking.error_summary(anonymous)).to include(class: "ArgumentError")
  end

  it "records no status or length Rack has none for: a hijacked connection, a negative Content-Length" do
    get "/cable_like"
    # A Rack app mounted outside Rails' stack, whose middleware would
    # correct the header.
    EzlogsRubyAgent::HttpTracker.new(->(_env) { [200, { Rack::CONTENT_LENGTH => "-5" }, ["ok"]] })
                                .call(Rack::MockRequest.env_for("/negative_length"))

    hijacked, negative = events_of("http.request").map { |event| event[:metadata] }
    expect(hijacked.keys & %i[status content_length]).to be_empty
    expect(hijacked).to include(path: "/cable_like")
    expect(negative).to include(status: 200)
    expect(negative).not_to have_key(:content_length)
  end

  # A scanner's request: Rack hands the path and headers over as bytes.
  it "keeps a path and a User-Agent readable when a byte in them is not UTF-8" do
    env = Rack::MockRequest.env_for("/scan").merge("PATH_INFO" => "/scan/\xFF/wp-login.php".b,
                                                   "HTTP_USER_AGENT" => "zgrab/\xC3 0.x".b)
    EzlogsRubyAgent::HttpTracker.new(->(_env) { [404, {}, []] }).call(env)

    event = request_event
    expect(event[:action]).to eq("GET /scan/\u{FFFD}/wp-login.php")
    expect(event[:metadata]).to include(path: "/scan/\u{FFFD}/wp-login.php", user_agent: "zgrab/\u{FFFD} 0.x")
  end

  it "records an exception raised by the app and re-raises it untouched" do
    expect { get "/boom" }.to raise_error(FailuresController::Kaboom, "the controller blew up")

    event = request_event
    expect(event[:action]).to eq("GET /boom")
    expect(event[:metadata]).to include(route: "failures#boom",
                                        error: include(class: "FailuresController::Kaboom",
                                                       message: "the controller blew up"))
    expect(event[:metadata]).not_to have_key(:status) # the app answered nothing; the server chooses
    expect(EzlogsRubyAgent.current_correlation_context).to be_nil
  end

  it "records no error for an exception the controller's rescue_from answered" do
    get "/handled"

    expect(last_response.status).to eq(422)
    expect(request_event[:metadata]).to include(status: 422, route: "failures#handled")
    expect(request_event[:metadata]).not_to have_key(:error)
  end

  it "keeps the app's own frames of an error raised deep in a library, as Rails.backtrace_cleaner shows them" do
    expect { get "/unreachable" }.to raise_error(Errno::ECONNREFUSED)

    backtrace = request_event[:metadata][:error][:backtrace]
    expect(backtrace.first).to match(%r{\Aapp/controllers/failures_controller\.rb:\d+:in `unreachable'\z})
    expect(backtrace).to all(start_with("app/"))
  end

  it "shows the lines Rails' cleaner keeps of a whole backtrace, from what it made of each line, while unchanged" do
    error = begin
      get "/unreachable"
    rescue Errno::ECONNREFUSED => e
      e
    end
    cleaned = Rails.backtrace_cleaner.clean(error.backtrace).first(20)
    expect(cleaned).not_to be_empty
    expect(EzlogsRubyAgent::ErrorBacktrace.of(error)).to eq(cleaned)

    asked = 0
    cleaner = Rails::BacktraceCleaner.new
    cleaner.add_filter do |line|
      asked += 1
      line
    end
    allow(Rails).to receive(:backtrace_cleaner).and_return(cleaner)
    whole = -> { cleaner.clean(error.backtrace).first(20) }
    expected = whole.call
    expect(EzlogsRubyAgent::ErrorBacktrace.of(error)).to eq(expected)
    asked = 0
    expect(EzlogsRubyAgent::ErrorBacktrace.of(error)).to eq(expected)
    expect(asked).to eq(0) # every line remembered

    # Changed in place, the cleaner is asked again.
    cleaner.add_filter { |line| "#{line} (later)" }
    expect(EzlogsRubyAgent::ErrorBacktrace.of(error)).to eq(expected.map { |line| "#{line} (later)" })
    # Rails 7.1 and later clean nothing away while BACKTRACE is set.
    with_env("BACKTRACE" => "1") { expect(EzlogsRubyAgent::ErrorBacktrace.of(error)).to eq(whole.call) }
    cleaner.remove_silencers!
    expect(EzlogsRubyAgent::ErrorBacktrace.of(error)).to eq(whole.call).and(have_attributes(size: 20))
    cleaner.add_filter { |line| line unless line.include?("failures_controller") } # kept, as nil
    expect(EzlogsRubyAgent::ErrorBacktrace.of(error)).to eq(whole.call).and(include(nil))
    cleaner.add_filter { raise "broken filter" }
    line = __LINE__ - 1
    stderr = quietly { expect(EzlogsRubyAgent::ErrorBacktrace.of(error)).to eq(error.backtrace.first(20)) }
    expect(stderr).to eq("[ezlogs_ruby_agent] Rails.backtrace_cleaner raised RuntimeError at #{__FILE__}:#{line}; " \
                         "errors' backtraces are sent as Ruby gives them\n")

    # A cleaner of the app's own making is handed the backtrace whole.
    counting = Class.new(Rails::BacktraceCleaner) { def clean(backtrace, *) = super + ["#{backtrace.size} lines"] }.new
    allow(Rails).to receive(:backtrace_cleaner).and_return(counting)
    expect(EzlogsRubyAgent::ErrorBacktrace.of(error)).to eq(counting.clean(error.backtrace).first(20))
  end

  it "names the method Rails routed when a form overrides it with _method, and keeps the method sent" do
    post "/users/123", { _method: "patch", user: { name: "Ada L" } }
    expect(request_event[:action]).to eq("PATCH /users/123")
    expect(request_event[:metadata]).to include(method: "PATCH", original_method: "POST", route: "users#update")

    EzlogsRubyAgent.clear_captured_events
    post "/users/123", { _method: "delete" }
    expect(request_event[:action]).to eq("DELETE /users/123")
    expect(request_event[:metadata]).to include(method: "DELETE", original_method: "POST", route: "users#destroy")

    # An error page is dispatched again as a GET; the request was a DELETE.
    EzlogsRubyAgent.clear_captured_events
    with_error_pages { post "/users/999", { _method: "delete" } }
    expect(last_response.status).to eq(404)
    expect(request_event[:action]).to eq("DELETE /users/999")
    expect(request_event[:metadata]).to include(method: "DELETE", original_method: "POST", status: 404)

    EzlogsRubyAgent.clear_captured_events
    with_error_pages { get "/users/123" } # deleted above
    expect(request_event[:metadata]).to include(method: "GET", status: 404)
    expect(request_event[:metadata]).not_to have_key(:original_method)
  end

  it "records the exception Rails rendered as a 500 page" do
    with_error_pages { get "/boom" }

    expect(last_response.status).to eq(500)
    expect(request_event[:action]).to eq("GET /boom") # not the error page's path
    expect(request_event[:metadata]).to include(status: 500, route: "failures#boom",
                                                error: include(class: "FailuresController::Kaboom"))
  end

  it "emits nothing for health checks, assets and configured exclusions" do
    get "/health"
    with_error_pages { get "/assets/application-1a2b.css" }
    EzlogsRubyAgent.config.excluded_resources = ["/USERS", %r{\A/who}]
    get "/users/123"
    get "/whoami"

    expect(last_response.status).to eq(200)
    expect(events_of("http.request")).to be_empty
  end

  # A controller may draw an image (ActiveStorage's do), or a Rack endpoint
  # in the routes: its errors are the app's. A file served from public/, or
  # a missing one, also behind a route that passed it on, is not a journey.
  it "records a static file's path only when the app's routes answered it" do
    get "/logo.svg"
    expect(last_response.body).to start_with("<svg")
    with_error_pages { %w[/images/missing.png /pages/missing.png].each { |path| get path } }
    expect(last_response.status).to eq(404)
    get "/users/123.png"
    get "/badges/7.svg"
    with_error_pages { get "/badges/broken/7.svg" }

    drawn, badge, broken = events_of("http.request")
    expect(drawn).to include(action: "GET /users/123.png")
    expect(drawn[:metadata]).to include(route: "users#show", status: 200)
    expect(badge).to include(action: "GET /badges/7.svg")
    expect(broken[:metadata]).to include(status: 500, error: include(class: "ArgumentError"))
    expect(events_of("http.request").size).to eq(3)
  end

  it "clears the context after each request, so two requests on one thread share nothing" do
    get "/users/123"
    expect(EzlogsRubyAgent.current_correlation_context).to be_nil
    get "/users/123"

    first, second = events_of("http.request")
    expect(second[:correlation][:flow_id]).not_to eq(first[:correlation][:flow_id])
    expect(second[:correlation][:request_id]).not_to eq(first[:correlation][:request_id])
    expect(second[:correlation]).not_to have_key(:parent_event_id)
  end

  it "keeps an Array body as it is (so the server can set Content-Length) and counts its bytes" do
    inner = ->(_env) { [200, { "Content-Type" => "text/plain" }, %w[hello world]] }
    status, _headers, body = described_class.new(inner).call(Rack::MockRequest.env_for("/plain"))

    expect([status, body]).to eq([200, %w[hello world]])
    expect(request_event[:metadata]).to include(path: "/plain", content_length: 10)
  end

  it "counts a file body by its file when the server sends it by its path, and by what #each wrote otherwise" do
    files = ["x" * 1234, ""].map { |text| Tempfile.create("ezlogs-body").tap { |f| f.write(text) }.tap(&:close) }
    file_body = Struct.new(:to_path) { def each = yield(File.read(to_path)) }
    tracker = described_class.new(lambda { |env|
      [200, { "Content-Type" => "application/octet-stream" }, file_body.new(files[env["QUERY_STRING"].to_i].path)]
    })

    %w[0 1].each do |file|
      _status, _headers, sent_by_path = tracker.call(Rack::MockRequest.env_for("/download?#{file}"))
      File.size(sent_by_path.to_path) # what a server that sends files itself (Puma, Rack::Sendfile) does
      sent_by_path.close
      _status, _headers, iterated = tracker.call(Rack::MockRequest.env_for("/download?#{file}"))
      written = +""
      iterated.each { |part| written << part }
      iterated.close
    end

    expect(events_of("http.request").map { |event| event[:metadata][:content_length] }).to eq([1234, 1234, 0, 0])
  ensure
    files&.each { |file| File.unlink(file.path) }
  end

  it "reads a route the router left in the env, naming its subject by the app's inflections" do
    inner = ->(_env) { [201, { "content-type" => "text/csv", "content-length" => "12" }, ["a,b"]] }
    env = Rack::MockRequest.env_for("/admin/people/5", method: "PUT")
    env["action_dispatch.request.path_parameters"] = { controller: "admin/people", action: "update", id: "5" }
    described_class.new(inner).call(env)

    expect(request_event).to include(action: "PUT /admin/people/5", subject: { type: "person", id: "5" })
    expect(request_event[:metadata]).to include(method: "PUT", status: 201, route: "admin/people#update",
                                                content_type: "text/csv", content_length: 12)
  end

  it "leaves out a Content-Length that is not a number rather than counting the body" do
    inner = ->(_env) { [200, { "Content-Length" => "twelve" }, ["hello"]] }
    described_class.new(inner).call(Rack::MockRequest.env_for("/plain"))

    expect(request_event[:metadata]).to include(path: "/plain", status: 200)
    expect(request_event[:metadata]).not_to have_key(:content_length)
  end

  describe "GraphQL" do
    let(:document) do
      "query GetUser($id: ID!) { user(id: $id) { name } } mutation UpdateUser($password: String) { x }"
    end

    it "names the operation chosen by operationName, with its type from the document" do
      post "/graphql", JSON.generate(query: document, operationName: "UpdateUser",
                                     variables: { password: "s3cret", id: 5 }),
           { "CONTENT_TYPE" => "application/json" }

      event = request_event
      expect(event[:action]).to eq("graphql mutation UpdateUser")
      expect(event[:subject]).to eq(type: "graphql", id: "UpdateUser")
      expect(event[:metadata][:graphql]).to eq(operation_type: "mutation", operation_name: "UpdateUser",
                                               variables: { password: "[REDACTED]", id: 5 })
    end

    it "reads the operation from the body when no controller parsed it (a mounted Rack app)" do
      graphql_app = lambda do |env|
        [200, { "Content-Type" => "application/json" }, Rack::BodyProxy.new([env["rack.input"].read.size.to_s]) { nil }]
      end
      app = described_class.new(graphql_app)
      body = JSON.generate(query: "mutation Pay { pay }", operationName: "Pay")
      env = Rack::MockRequest.env_for("/api/graphql", method: "POST", input: body)
      _status, _headers, response_body = app.call(env)
      env["rack.input"].close # as Puma does before it closes the response body
      response_body.close

      expect(request_event[:action]).to eq("graphql mutation Pay")
    end

    it "reads a streamed answer's operations once, while rack.input is open, even when there are none" do
      graphql_app = ->(_env) { [200, {}, Rack::BodyProxy.new(["{}"]) { nil }] }
      input = StringIO.new("not json")
      reads = 0
      input.define_singleton_method(:read) { |*args| (reads += 1) && super(*args) }
      env = Rack::MockRequest.env_for("/graphql?page=2", method: "POST", input:, "REMOTE_ADDR" => "203.0.113.9")
      stderr = quietly do
        _status, _headers, response_body = described_class.new(graphql_app).call(env)
        env["rack.input"].close # as Puma does before it closes the response body
        response_body.close
      end

      expect(reads).to eq(1)
      expect(request_event[:action]).to eq("POST /graphql")
      expect(request_event[:metadata]).to include(ip: "203.0.113.9", params: { page: "2" })
      expect(stderr).to eq("")
    end

    it "names the operation of a request the app raised on" do
      failing_app = ->(_env) { raise ArgumentError, "resolver failed" }
      env = Rack::MockRequest.env_for("/graphql", method: "POST", input: JSON.generate(query: "query Feed { feed }"))
      expect { described_class.new(failing_app).call(env) }.to raise_error(ArgumentError, "resolver failed")

      expect(request_event[:action]).to eq("graphql query Feed")
      expect(request_event[:metadata][:error]).to include(class: "ArgumentError")
    end

    it "handles a batch of operations" do
      batch = [{ query: document, operationName: "GetUser", variables: { id: 1 } },
               { query: "{ me { id } }" }]
      post "/graphql", JSON.generate(batch), { "CONTENT_TYPE" => "application/json" }

      event = request_event
      expect(event[:action]).to eq("graphql batch query GetUser, query anonymous")
      expect(event[:metadata][:graphql]).to eq(
        batch: true, operations: [{ operation_type: "query", operation_name: "GetUser", variables: { id: 1 } },
                                  { operation_type: "query", operation_name: "anonymous" }]
      )
    end
  end

  describe "session" do
    it "names a session the app loaded by a digest of its id, alike across its requests, never by the id" do
      get "/visits"
      get "/visits"
      session_id = last_response.body
      get "/users/123" # does not use the session

      first, second, untouched = events_of("http.request").map { |event| event[:correlation] }
      expect(first[:session_id]).to eq(Digest::SHA256.hexdigest(session_id)[0, 32])
      expect(second[:session_id]).to eq(first[:session_id])
      expect(untouched).not_to have_key(:session_id)
      expect(captured.to_s).not_to include(session_id)
    end
  end

  describe "actor" do
    it "asks config.actor_extractor first, with the Rack env" do
      EzlogsRubyAgent.config.actor_extractor = ->(env) { { type: "api_client", id: env["HTTP_X_CLIENT"] } }
      get "/users/123", {}, { "HTTP_X_CLIENT" => "mobile-7", "HTTP_X_USER_ID" => "123" }

      expect(request_event[:actor]).to eq(type: "api_client", id: "mobile-7")
    end

    # A KeyError's message names the key, which may be what the app looked
    # up: a token from a header.
    it "reports an actor_extractor that raises as the app's error, once, without the key, and looks further" do
      api_clients = { "sk_live_known" => "mobile" }
      EzlogsRubyAgent.config.actor_extractor = lambda { |env|
        { type: "api_client", id: api_clients.fetch(env["HTTP_X_TOKEN"]) }
      }
      stderr = quietly do
        %w[sk_live_unknown1 sk_live_unknown2].each do |token|
          get "/users/123", {}, { "HTTP_X_USER_ID" => "123", "HTTP_X_TOKEN" => token }
        end
      end

      expect(stderr.lines.grep(/actor_extractor/).size).to eq(1)
      expect(stderr).to include("config.actor_extractor raised KeyError: key not found at #{__FILE__}")
      expect(stderr).not_to include("sk_live")
      expect(stderr).not_to include("please report it")
      expect(events_of("http.request").map { |e| e[:actor] }).to all(eq(type: "user", id: "123"))
    end

    # 0.1.19's example app: `context.current_user&.id`, on the Rack env.
    # Ruby's NoMethodError message holds the whole env, cookies and
    # Authorization header included.
    # A record change hands it a record, which raises the NoMethodError in
    # ActiveModel: the same fault, said once, at the app's line.
    it "reports an actor_extractor's NoMethodError without the env it was given, once for all its sources" do
      EzlogsRubyAgent.config.actor_extractor = ->(context) { context.current_user&.id }
      line = __LINE__ - 1
      stderr = quietly do
        %w[sk_live_first sk_live_second].each do |token|
          get "/users/123", {}, { "HTTP_AUTHORIZATION" => "Bearer #{token}", "HTTP_COOKIE" => "_shop=#{token}" }
        end
        User.create!(name: "Bo", email: "bo@example.com")
      end

      expect(stderr.lines).to eq(["[ezlogs_ruby_agent] config.actor_extractor raised NoMethodError: undefined " \
                                  "method `current_user' for an instance of Hash at #{__FILE__}:#{line}; " \
                                  "the actor was looked up without it\n"])
      expect(events_of("http.request").size).to eq(2)
    end

    # Ruby's own ArgumentError and TypeError messages may quote the value
    # they were given: one parsing a header's token prints no message.
    it "reports an actor_extractor's error by class when its message may quote a value" do
      EzlogsRubyAgent.config.actor_extractor = ->(env) { { type: "user", id: Integer(env["HTTP_X_TOKEN"]) } }
      stderr = quietly { get "/users/123", {}, { "HTTP_X_TOKEN" => "sk_live_quoted" } }

      expect(stderr).to include("config.actor_extractor raised ArgumentError at #{__FILE__}")
      expect(stderr).not_to include("sk_live_quoted")
    end

    it "falls back to the system when the app has no user at hand" do
      get "/users/123"

      expect(request_event[:actor]).to eq(type: "system", id: "system")
    end

    it "uses a Warden user only when the app already fetched it" do
      warden = Class.new do
        def initialize(users) = @users = users
        def user(*) = raise("authenticating would query the database")
      end
      user = User.find(123)
      get "/users/123", {}, { "warden" => warden.new({}) }
      get "/users/123", {}, { "warden" => warden.new({ user: }) }

      expect(events_of("http.request").map { |e| e[:actor] }).to eq([{ type: "system", id: "system" },
                                                                     { type: "user", id: "123" }])
    end

    it "reads Thread.current[:current_user]" do
      Thread.current[:current_user] = { type: "admin", id: 9 }
      get "/users/123"

      expect(request_event[:actor]).to eq(type: "admin", id: "9")
    ensure
      Thread.current[:current_user] = nil
    end
  end

  describe "across services" do
    it "gives outbound headers with which a downstream app continues the flow under the current event" do
      get "/outbound"
      upstream = request_event
      headers = JSON.parse(last_response.body)
      expect(headers["traceparent"]).to match(/\A00-#{upstream[:correlation][:trace_id]}-\h{16}-01\z/)
      expect(headers["X-Request-ID"]).to eq(upstream[:correlation][:request_id])

      EzlogsRubyAgent.clear_captured_events
      get "/users/123", {}, { "HTTP_TRACEPARENT" => headers["traceparent"], "HTTP_BAGGAGE" => headers["baggage"] }

      downstream = request_event
      expect(downstream[:correlation]).to include(flow_id: upstream[:correlation][:flow_id],
                                                  parent_event_id: upstream[:event_id],
                                                  trace_id: upstream[:correlation][:trace_id])
    end

    it "returns no headers outside any context" do
      expect(EzlogsRubyAgent.propagation_headers).to eq({})
    end
  end
end
