# frozen_string_literal: true

# As `rails new` writes production: classes loaded once, at boot, and never
# reloaded. Without this file a request checked every watched folder for
# changes (74 stats and 17 directory reads a GET, strace), work no
# production app does, which the benches counted in the untracked side.
Rails.application.configure do
  config.cache_classes = true
  config.eager_load = true
end
