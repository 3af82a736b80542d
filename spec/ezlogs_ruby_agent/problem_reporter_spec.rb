# frozen_string_literal: true

# What the agent says about its own failures: enough to report them, and
# never a value it was handling when it failed.
RSpec.describe EzlogsRubyAgent::ProblemReporter do
  it "reports an internal error by its class and the agent's line, not its message" do
    # Ruby's NoMethodError message shows its receiver: here, filtered params.
    error = begin
      { "pin" => "PIN-s3cr3t-0005" }.filtered_by_mistake
    rescue NoMethodError => e
      e
    end
    stderr = quietly { described_class.internal(error, "applying filter_parameters to #{rand}") }

    expect(stderr).to match(/during applying filter_parameters to [\d.e-]+: NoMethodError( at \S+:\d+)?; please/)
    expect(stderr).not_to include("PIN-s3cr3t-0005")
  end
end
