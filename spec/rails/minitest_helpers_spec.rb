# frozen_string_literal: true

# The Minitest assertions, used as an app's own tests would use them: the
# dummy shop's integration test (spec/dummy/test), run by Rails' test
# runner setup in a process of its own, with a fresh database.
RSpec.describe "Minitest assertions (ezlogs_ruby_agent/minitest)" do
  it "pass in the shop's integration test, and their failure messages say what was captured" do
    database = File.join(RAILS_SPEC_TMP, "minitest.sqlite3")
    result = run_command([RbConfig.ruby, "-I", File.join(Subprocess::ROOT, "lib"), "-Itest",
                          "test/integration/user_flow_test.rb"],
                         env: { "DUMMY_DATABASE" => database, "DUMMY_JOB_ADAPTER" => "test" },
                         chdir: File.join(Subprocess::ROOT, "spec/dummy"),
                         timeout: 120)

    expect(result.stdout).to match(/^3 runs, \d+ assertions, 0 failures, 0 errors, 0 skips$/),
                             result.stdout + result.stderr
  end
end
