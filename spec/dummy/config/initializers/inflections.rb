# frozen_string_literal: true

# As many apps do: "PDFInvoice", not "PdfInvoice".
ActiveSupport::Inflector.inflections(:en) { |inflect| inflect.acronym "PDF" }
