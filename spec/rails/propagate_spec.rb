# frozen_string_literal: true

# Work a request hands to another thread joins the request's flow, under
# its event, when the app carries the context there with
# EzlogsRubyAgent.propagate, or when Rails itself runs the request's code
# in another thread (ActionController::Live).
RSpec.describe "Events logged in other threads on a request's behalf" do
  def request_event
    events_of("http.request").first
  end

  it "join the request's flow under its event in a Thread, a Concurrent::Future and a Concurrent::Promises future" do
    get "/report", {}, { "HTTP_HOST" => "localhost" }

    expect(last_response.body).to eq("report ready")
    pieces = events_of("report.piece").to_h { |event| [event[:action], event[:correlation]] }
    expect(pieces.keys).to contain_exactly("thread", "future", "promise", "plain thread")
    %w[thread future promise].each do |name|
      expect(pieces[name]).to include(flow_id: request_event[:correlation][:flow_id],
                                      parent_event_id: request_event[:event_id],
                                      request_id: request_event[:correlation][:request_id])
    end
    # A thread the context was not carried into starts a flow of its own.
    expect(pieces["plain thread"][:flow_id]).not_to eq(request_event[:correlation][:flow_id])
  end

  it "join the request's flow in an ActionController::Live action, which Rails runs in a thread of its own" do
    get "/stream", {}, { "HTTP_HOST" => "localhost" }

    expect(last_response.body).to eq("line 0\nline 1\nline 2\n")
    opened = events_of("stream.opened").first
    expect(opened[:correlation]).to include(flow_id: request_event[:correlation][:flow_id],
                                            parent_event_id: request_event[:event_id])
  end

  it "propagate needs a block, and says so" do
    expect { EzlogsRubyAgent.propagate }.to raise_error(ArgumentError, /EzlogsRubyAgent\.propagate \{ \.\.\. \}/)
  end
end
