# frozen_string_literal: true

# The wire side of the test collector: reading a request the way the ezlogs
# agent does (peek for HTTP, else raw JSON to EOF) and writing an answer.
module HttpWire
  Request = Struct.new(:path, :headers, :body, keyword_init: true)

  def read_request(socket)
    first = socket.recv(8, Socket::MSG_PEEK)
    return read_http(socket) if first.match?(/\A(POST|GET|PUT) /)

    Request.new(path: "/", headers: {}, body: socket.read)
  end

  def read_http(socket)
    request_line = socket.gets or return
    path = request_line.split[1]
    headers = {}
    while (line = socket.gets) && line != "\r\n"
      name, value = line.split(":", 2)
      headers[name.strip.downcase] = value.to_s.strip
    end
    body = socket.read(headers.fetch("content-length", "0").to_i) || ""
    Request.new(path:, headers:, body:)
  end

  # Reads the head and a little of the body, then resets the connection.
  def reset(socket)
    socket.gets
    socket.readpartial(64)
    socket.setsockopt(Socket::SOL_SOCKET, Socket::SO_LINGER, [1, 0].pack("ii"))
  end

  # A scripted failure's answer; `quoting`: one that quotes the credentials
  # the request carried, as some APIs' refusals do.
  def failure_answer(request, quoting:)
    return { status: "error" } unless quoting

    { error: "invalid credentials for #{request.path}: #{request.headers.values_at("authorization", "x-api-key")}" }
  end

  def respond(socket, status, payload, headers = {})
    body = JSON.generate(payload)
    head = ["HTTP/1.1 #{status} X", "Content-Type: application/json", "Content-Length: #{body.bytesize}",
            "Connection: close", *headers.map { |name, value| "#{name}: #{value}" }]
    socket.write("#{head.join("\r\n")}\r\n\r\n#{body}")
  end
end
