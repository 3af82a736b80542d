# frozen_string_literal: true

module EzlogsRubyAgent
  # Events drawn as the trees their `correlation.parent_event_id` links
  # form, one per flow (`correlation.flow_id`), one line per event:
  #
  #   flow flow_req_5f2c (3 events)
  #     http.request  PATCH /users/1  302  18.8 ms  [evt_a]
  #       data.change  user.updated  user 1  [evt_b]
  #       job.enqueue  WelcomeJob.enqueued  job 5e1f...  [evt_c]
  #
  # Roots and children are in the order they were logged. Used by the test
  # helpers' failure messages and the debug output.
  module FlowTree
    module_function

    # `events`: captured entries ({event:, ...}, as `captured_events` gives
    # them) or event Hashes, with Symbol or String keys (as a collector
    # parsed them). Returns a String, one line per event.
    def render(events)
      events = normalize(events)
      return "(no events)" if events.empty?

      events.group_by { |event| event.dig(:correlation, :flow_id) }.flat_map do |flow_id, flow|
        name = flow_id ? "flow #{printable(flow_id.to_s)}" : "no flow"
        ["#{name} (#{flow.size} #{flow.size == 1 ? "event" : "events"})",
         *tree_lines(flow)]
      end.join("\n")
    end

    # Events as Symbol-keyed Hashes, whatever form they came in.
    def normalize(events)
      Array(events).map do |item|
        item = symbolized(item)
        item.key?(:event) && item.key?(:captured_at) ? item[:event] : item
      end
    end

    # "data.change  user.updated  user 1  [evt_b]"
    def line(event)
      subject = event[:subject]
      subject = [subject[:type], subject[:id]].compact.join(" ") if subject.is_a?(Hash)
      [event[:event_type], event[:action], subject, *outcome(event), "[#{event[:event_id]}]"]
        .reject { |part| part.nil? || part.to_s.empty? }.map { |part| printable(part.to_s) }.join("  ")
    end

    # Control and format characters (a newline, a right-to-left override)
    # escaped as Ruby writes them: an action or id from the app or a
    # client must not split a log line or disguise it.
    def printable(text)
      text.gsub(/[\p{Cc}\p{Cf}]/) { |char| char.dump[1..-2] }
    rescue ArgumentError, Encoding::CompatibilityError
      text.dump
    end

    # A request's status and a timed event's duration, as Rails' "Completed
    # 500 in 40ms" line gives them.
    def outcome(event)
      metadata, timing = event.values_at(:metadata, :timing)
      status = metadata[:status] if event[:event_type] == "http.request" && metadata.is_a?(Hash)
      duration = timing[:duration_ms] if timing.is_a?(Hash)
      [status, (format("%.1f ms", duration) if duration.is_a?(Numeric))]
    end

    def tree_lines(flow)
      ids = flow.to_h { |event| [event[:event_id], event] }
      children = flow.group_by { |event| parent_of(event, ids) }
      lines = {} # event_id => line, in drawing order
      children.fetch(nil, []).each { |root| draw(root, 1, children, lines) }
      # A loop of parent links has no root: its events are still shown.
      flow.each { |event| draw(event, 1, children, lines) }
      lines.values
    end

    def draw(event, depth, children, lines)
      return if lines.key?(event[:event_id])

      lines[event[:event_id]] = "#{"  " * depth}#{line(event)}"
      children.fetch(event[:event_id], []).each { |child| draw(child, depth + 1, children, lines) }
    end

    # The parent's id when the parent is among the events, else nil (a root).
    def parent_of(event, ids)
      parent = event.dig(:correlation, :parent_event_id)
      parent if ids.key?(parent)
    end

    def symbolized(value)
      case value
      when Hash then value.to_h { |key, item| [key.is_a?(String) ? key.to_sym : key, symbolized(item)] }
      when Array then value.map { |item| symbolized(item) }
      else value
      end
    end
  end
end
