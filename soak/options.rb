# frozen_string_literal: true

require "optparse"

module Soak
  # bin/soak's command line. Without --long: the short run (CI's, about
  # 2.5 minutes on 2 cores); with it, the long one (about 14.5 minutes,
  # which keeps 2 cores busy: run it on an otherwise idle machine).
  class Options
    SCENARIOS = %i[short idle forks interrupts reconfigure].freeze
    ROOT = File.expand_path("..", __dir__)
    PRESETS = {
      short: { minutes: 2.0, idle_minutes: 2.0, idle_per_kind: 1, jobs: 6, every: 15 },
      long: { minutes: 14.0, idle_minutes: 10.0, idle_per_kind: 3, jobs: 11, every: 30 }
    }.freeze

    attr_reader :scenarios, :minutes, :idle_minutes, :idle_per_kind, :jobs, :seed, :out, :keep, :every, :preset

    def self.parse(argv)
      new.tap { |options| options.parse(argv) }
    end

    def initialize
      @scenarios = SCENARIOS
      @seed = Random.new_seed % 1_000_000
      @keep = false
      @preset = :short
      @set = {}
    end

    def parse(argv)
      parser.parse!(argv)
      raise OptionParser::InvalidArgument, argv.join(" ") unless argv.empty?

      settings = PRESETS.fetch(@preset).merge(@set)
      settings[:idle_minutes] = @set.fetch(:idle_minutes, @set[:minutes]) if @set.key?(:minutes)
      settings.compact.each { |name, value| instance_variable_set(:"@#{name}", value) }
      @out ||= File.join(ROOT, "tmp", "soak", Time.now.strftime("%Y%m%d-%H%M%S"))
      self
    end

    private

    def parser
      OptionParser.new do |o|
        o.banner = "Usage: bin/soak [--long] [options]   (see soak/soak.rb for what each scenario checks)"
        o.on("--long", "the long run: #{describe(:long)}") { @preset = :long }
        o.on("--only LIST", Array, "run only these scenarios (#{SCENARIOS.join(",")})") { |l| @scenarios = names(l) }
        o.on("--skip LIST", Array, "run all but these scenarios") { |list| @scenarios -= names(list) }
        numeric_options(o)
        output_options(o)
        o.separator("Without --long: #{describe(:short)}.")
      end
    end

    def output_options(opts)
      opts.on("--seed N", Integer, "random seed (printed at the start)") { |n| @seed = n }
      opts.on("--out DIR", "where reports and failed children's directories go (default tmp/soak/<time>)") do |dir|
        @out = File.expand_path(dir)
      end
      opts.on("--keep", "keep every child's directory, not only failed ones'") { @keep = true }
    end

    def numeric_options(opts)
      opts.on("--minutes N", Float, "minutes of churn (short processes, forks, interrupts, reconfigure); " \
                                    "also the idle minutes unless --idle-minutes") { |n| @set[:minutes] = n }
      opts.on("--idle-minutes N", Float, "how long each idle process idles") { |n| @set[:idle_minutes] = n }
      opts.on("--idle-per-kind N", Integer, "idle processes per failing collector") { |n| @set[:idle_per_kind] = n }
      opts.on("--jobs N", Integer, "churn processes run at once") { |n| @set[:jobs] = n }
      opts.on("--progress SECONDS", Integer, "seconds between progress lines") { |n| @set[:every] = n }
    end

    def names(list)
      list.map(&:to_sym).each do |name|
        raise OptionParser::InvalidArgument, "unknown scenario #{name}" unless SCENARIOS.include?(name)
      end
    end

    def describe(preset)
      p = PRESETS.fetch(preset)
      "#{p[:minutes]} min of churn on #{p[:jobs]} workers, #{p[:idle_per_kind]} idle process(es) x " \
        "#{p[:idle_minutes]} min per failing collector"
    end
  end
end
