# frozen_string_literal: true

module EzlogsRubyAgent
  class HttpTracker
    # Uploaded files in a request's params, shown as what they are (name,
    # type, size) rather than their temp file and raw multipart headers.
    # Read while the request runs: Rack deletes the temp files once the
    # response is sent.
    module UploadedFiles
      module_function

      def describe(value)
        case value
        when Hash then value.transform_values { |item| describe(item) }
        when Array then value.map { |item| describe(item) }
        else upload?(value) ? summary(value) : value
        end
      end

      def summary(file)
        { filename: file.original_filename, content_type: file.content_type, size: file.size }
      end

      def upload?(value)
        value.respond_to?(:original_filename) && value.respond_to?(:content_type) && value.respond_to?(:size)
      end
    end
  end
end
