# frozen_string_literal: true

# Rails' filter_parameters split between the native redactor and Rails'
# ParameterFilter: what the core takes must match the keys Ruby matches.
RSpec.describe EzlogsRubyAgent::Configuration::FilterParameters do
  # The core configured with `filters` as Rails' filter_parameters.
  def configure_core(filters)
    settings = EzlogsRubyAgent.config.to_native
    settings[:processing][:sensitive_key_patterns] = described_class.new(filters).native_patterns
    EzlogsRubyAgent::Native.configure(settings)
  end

  def redacted_keys(keys)
    log(metadata: keys.to_h { |key| [key, "v"] })
    captured.last[:metadata].select { |_, value| value == "[REDACTED]" }.keys.map(&:to_s)
  end

  it "writes Ruby Regexps for the native matcher so that it matches the keys Ruby matches" do
    {
      /^pin$/ => %W[pin note\npin pinx], # Ruby's ^ and $ are line anchors
      /a.b/m => %W[a\nb acb ab],
      /\A\w+_code\z/ => %w[promo_code é_code], # Ruby's \w, \d, \s are ASCII-only
      /\W/ => %w[naïve plain],
      /\d{3}/ => %w[a123 a١٢٣],
      /[a b]/x => ["x y", "xy"], # a class keeps its space in extended mode
      /PIN/i => %w[Card_Pin spin],
      /\h{8}/ => %w[deadbeef deadbeer],
      /x(?i:Y)/ => %w[xy Xy]
    }.each do |filter, keys|
      configure_core([filter])
      expect(redacted_keys(keys)).to eq(keys.grep(filter)), "#{filter.inspect} on #{keys.inspect}"
    end
  end

  it "leaves Procs, Regexps the native matcher cannot run as Ruby does, and dotted filters to Ruby" do
    proc_filter = ->(_key, _value) {}
    filters = described_class.new([:passw, proc_filter, /pin(?!_hint)/, /[[:alpha:]]_id/, "card.number", /\Apin\z/])

    expect(filters.in_ruby).to eq([proc_filter, /pin(?!_hint)/, /[[:alpha:]]_id/, "card.number"])
    expect(filters.native_patterns).to eq(["(?i)passw", "(?i)card\\.number", "(?m)\\Apin\\z"])
    notes = filters.notes
    # A dotted filter is not said: Rails adds one per encrypted attribute.
    expect(notes.size).to eq(3)
    expect(notes.join("\n")).to include("filter_parameters has a Proc (#{__FILE__.delete_prefix("#{Dir.pwd}/")}:",
                                        "filter_parameters /[[:alpha:]]_id/ uses syntax the native matcher does not " \
                                        "support (POSIX bracket classes, which Ruby matches in Unicode)")
    expect(notes.join).not_to include("card.number")
  end
end
