# frozen_string_literal: true

module EzlogsRubyAgent
  # Who is acting: `config.actor_extractor` first, then the user the app
  # already has at hand (Current.user, a Warden/Devise user that was already
  # fetched, RequestStore[:current_user], Thread.current[:current_user]),
  # else the system. It never authenticates and never queries the database.
  module ActorExtractor
    SYSTEM = { type: "system", id: "system" }.freeze
    # Whether a class is a Hash, by class (hash?); classes are few.
    HASH_CLASSES = {}.compare_by_identity
    MAX_HASH_CLASSES = 1_000

    module_function

    # `source` is what the event is about (a Rack env for a request, a
    # record, a job); it is handed to `config.actor_extractor`.
    def extract(source = nil)
      extractor = EzlogsRubyAgent.config.actor_extractor
      (extractor && from_config(extractor, source)) || from_app(source) || SYSTEM
    end

    # 0.1.19's name (docs/configuration.md).
    def extract_actor(resource = nil) = extract(resource)

    def from_config(extractor, source)
      value = call_extractor(extractor, source)
      (hash?(value) ? hash_actor(value, true) : actor(value)) || unusable(value)
    end

    def call_extractor(extractor, source)
      extractor.arity.zero? ? extractor.call : extractor.call(source)
    rescue *FAILURES => e
      ProblemReporter.app_code(e, "config.actor_extractor", "the actor was looked up without it")
      nil
    end

    # An extractor's answer that names no actor (an id, an IP address: 0.1.19
    # took it as the actor, and then dropped the event as invalid), said
    # once, by its class only (it may be personal data).
    def unusable(value)
      return if value.nil? || value == false

      ProblemReporter.bad_setting("config.actor_extractor returned #{value.class}, which names no actor",
                                  "return {type:, id:} or a record (with an id); the actor was looked up without it")
      nil
    end

    # The first that names a user; the later lookups run only when needed,
    # and `actor` only for what a lookup found (on every request, each call
    # costs a few hundred instructions).
    def from_app(source)
      ((user = current_attributes_user) && actor(user)) ||
        ((user = warden_user(source)) && actor(user)) ||
        ((user = request_store_user) && actor(user)) ||
        actor(Thread.current[:current_user])
    end

    # A Hash with type and id, or a model-like object with an id. (No
    # keyword argument: it is called for each source an app lacks, and
    # without one a bare request's actor costs some 700 instructions less,
    # measured.)
    def actor(value)
      return if value.nil? || value == false

      hash?(value) ? hash_actor(value, false) : object_actor(value)
    end

    # `is_a?(Hash)`, asked once a class: on Ruby 3.1 it walks the ancestors
    # of a record's model (79 for the specs' User) on every event.
    def hash?(value)
      model = value.class
      HASH_CLASSES.fetch(model) do
        is_hash = model <= Hash
        HASH_CLASSES[model] = is_hash if HASH_CLASSES.size < MAX_HASH_CLASSES
        is_hash
      end
    end

    # `type` and `id` as Strings. The other keys (a role, an account) are
    # kept only from config.actor_extractor, which the app wrote for events,
    # as 0.1.19 kept them; the native core redacts and bounds them as it
    # does metadata. A Hash found elsewhere (Current.user) may hold anything.
    def hash_actor(hash, keep_other_keys)
      type = hash[:type] || hash["type"]
      id = hash[:id] || hash["id"]
      return unless type && id

      named = { type: type.to_s, id: id.to_s }
      keep_other_keys ? hash.transform_keys { |key| key.to_s.to_sym }.merge(named) : named
    end

    # `value` (an actor or a subject that is neither nil nor a Hash: the
    # core asks only of those) named as the trackers name one, `{type:,
    # id:}`, when it is a model's record (an unsaved record's id is nil,
    # for validation to say so); nil otherwise.
    def named_model(value)
      return unless value.class.respond_to?(:model_name) && value.respond_to?(:id)

      object_actor(value) || { type: Tracking.model_type(value.class) }
    end

    def object_actor(object)
      return unless object.respond_to?(:id) && !object.id.nil?

      model = object.class
      type = model.respond_to?(:model_name) ? Tracking.model_type(model) : Tracking.model_type_named(model.name.to_s)
      { type:, id: object.id.to_s }
    end

    def current_attributes_user
      return unless defined?(::Current) && ::Current.respond_to?(:user)

      ::Current.user
    end

    # Only a user Warden has already loaded: asking Warden for one would
    # run authentication and a query. Only a Rack env (a Hash) has one.
    def warden_user(source)
      warden = hash?(source) ? source["warden"] : nil
      users = warden&.instance_variable_get(:@users)
      users.is_a?(Hash) ? users.values.compact.first : nil
    end

    def request_store_user
      return unless defined?(::RequestStore) && ::RequestStore.respond_to?(:store)

      ::RequestStore.store[:current_user]
    end
  end
end
