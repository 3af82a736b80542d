# frozen_string_literal: true

require "timeout"

# The walks over a job's arguments (JobArguments) run on the app's thread,
# inside Sidekiq's client middleware: whatever the app passes, they end.
RSpec.describe EzlogsRubyAgent::JobArguments do
  # An Array that holds itself twice: a walk that does not stop at a cycle
  # visits 2^depth entries.
  let(:cyclic) { [].tap { |a| a << a << a << { "n" => 1 } } }

  it "finds the records in arguments that hold a cycle, and ends" do
    located = Struct.new(:id) { def to_global_id = "gid://app/Customer/#{id}" }
    cyclic << located.new(7)

    paths = Timeout.timeout(2) { described_class.record_paths([cyclic]) }
    expect(paths).to eq([[[0, 3], "gid://app/Customer/7"]])
  end

  it "describes arguments that hold a cycle, cut where the core cuts one" do
    described = Timeout.timeout(2) { described_class.described([cyclic]).first }
    expect(described).to eq([["[cycle]", "[cycle]", { "n" => 1 }]])
  end
end
