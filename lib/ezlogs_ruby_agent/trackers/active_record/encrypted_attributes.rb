# frozen_string_literal: true

module EzlogsRubyAgent
  module CallbacksTracker
    # Attributes that Active Record Encryption keeps encrypted (`encrypts`,
    # Rails 7 and later) are never reported in clear, whatever
    # filter_parameters says: Rails adds them to it only once their model
    # is loaded, after the agent read the list.
    module EncryptedAttributes
      module_function

      # `changes` ({attribute => [before, after]}) with each encrypted
      # attribute's pair replaced by the redaction marker. (Asked with
      # `method_defined?`: a model class's `respond_to?` runs Rails'
      # dynamic-finder lookup.)
      def mask(model, changes)
        encrypted = model.encrypted_attributes if model.singleton_class.method_defined?(:encrypted_attributes)
        return changes if encrypted.nil? || encrypted.empty?

        changes.to_h { |attribute, pair| [attribute, encrypted.include?(attribute.to_sym) ? AppFilter::MASK : pair] }
      end
    end
  end
end
