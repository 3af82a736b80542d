# frozen_string_literal: true

Rails.application.routes.draw do
  resources :users, only: %i[show create update destroy]
  resources :orders, only: %i[create]
  post "graphql", to: "graphql#execute"
  get "boom", to: "failures#boom"
  get "unreachable", to: "failures#unreachable"
  get "handled", to: "failures#handled"
  get "relay", to: "failures#relay"
  get "badges/broken/:id", to: proc { raise ArgumentError, "no badge" }
  get "badges/:id", to: proc { [200, { "Content-Type" => "image/svg+xml" }, ["<svg/>"]] }
  # A page route that passes every other format on (X-Cascade).
  get "pages/*path", to: "users#whoami", constraints: ->(request) { request.format.html? }
  get "health", to: proc { [200, { "Content-Type" => "text/plain" }, ["ok"]] }
  # A connection taken over (Action Cable's websocket: Rack's full hijack).
  get "cable_like", to: proc { [-1, {}, []] }
  get "whoami", to: "users#whoami"
  # A secret in the path, as invitation and password-reset links carry.
  get "invitations/:invite_code/accept", to: "users#whoami"
  get "invitations/:invite_code", to: "users#invitation"
  match "invitation_codes", to: "users#invitation", via: %i[get post]
  get "shared/*invite_code", to: "users#whoami"
  get "invitation_badges/:invite_code", to: proc { [200, { "Content-Type" => "image/svg+xml" }, ["<svg/>"]] }
  # A Rack app mounted under a path with a secret: the router moves the
  # prefix to SCRIPT_NAME.
  mount proc { [200, { "Content-Type" => "text/plain" }, ["ok"]] }, at: "/invitation_files/:invite_code"
  # A controller's action as a Rack endpoint, routed and mounted: the
  # controller runs, and the route names neither controller nor action.
  get "invitation_cards/:invite_code", to: UsersController.action(:whoami)
  mount UsersController.action(:whoami), at: "/invitation_links/:invite_code"
  get "my_ip", to: "users#my_ip"
  get "outbound", to: "calls#outbound"
  get "visits", to: "visits#show"
  get "report", to: "reports#show"
  get "stream", to: "streams#show"
  get "stream/failing", to: "streams#failing"
  match "/404", to: "errors#not_found", via: :all
  match "/500", to: "errors#internal_error", via: :all
end
