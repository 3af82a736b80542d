# frozen_string_literal: true

module EzlogsRubyAgent
  module CallbacksTracker
    # Attributes that Active Record Encryption keeps encrypted (`encrypts`,
    # Rails 7 and later) are never reported in clear, whatever
    # filter_parameters says: Rails adds them to it only once their model
    # is loaded, after the agent read the list.
    module EncryptedAttributes
      # Whether this Rails encrypts attributes (`encrypted_attributes`, a
      # class attribute of ActiveRecord::Base from Rails 7.0) is asked once,
      # at the first commit, of every model's ancestor: asked at every
      # commit, `method_defined?` walked each of a model's 78 ancestors to
      # answer no on Rails 6.1. (Not `respond_to?`: on a model class it
      # runs Rails' dynamic-finder lookup.)
      @in_rails = nil

      module_function

      # `changes` ({attribute => [before, after]}) with each encrypted
      # attribute's pair replaced by the redaction marker.
      def mask(model, changes)
        @in_rails = ::ActiveRecord::Base.singleton_class.method_defined?(:encrypted_attributes) if @in_rails.nil?
        encrypted = model.encrypted_attributes if @in_rails
        return changes if encrypted.nil? || encrypted.empty?

        changes.to_h { |attribute, pair| [attribute, encrypted.include?(attribute.to_sym) ? AppFilter::MASK : pair] }
      end
    end
  end
end
