"""An OTLP/HTTP logs receiver on loopback, for the spec suite.

It decodes each POST to /v1/logs with the official generated classes of the
`opentelemetry-proto` package (requirements.txt), never with this gem's own
code, and keeps what arrived as JSON (protobuf's canonical JSON mapping:
bytes as base64, 64-bit integers as strings). It answers by a script given
on the command line, one answer per request, then success:

    success | partial:<rejected> | <HTTP status>[:<Retry-After seconds>]

GET /received gives [{path, headers, request, at}] for every POST, in order, the
request as decoded ({"error": ...} for a body the classes could not read),
`at` the receiver's monotonic clock in seconds.

    python receiver.py [answer ...]     prints the port it listens on
"""

import gzip
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsPartialSuccess,
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)

lock = threading.Lock()
received = []
script = list(sys.argv[1:])


def next_answer():
    with lock:
        return script.pop(0) if script else "success"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        with lock:
            body = json.dumps(received).encode()
        self.reply(200, body, "application/json")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            if headers.get("content-encoding") == "gzip":
                body = gzip.decompress(body)
            request = ExportLogsServiceRequest()
            request.ParseFromString(body)
            decoded = MessageToDict(request)
        except Exception as error:  # what arrived was not OTLP: say so
            decoded = {"error": repr(error)}
        with lock:
            received.append({"path": self.path, "headers": headers, "request": decoded, "at": time.monotonic()})
        answer = next_answer()
        if answer == "success":
            self.reply(200, ExportLogsServiceResponse().SerializeToString())
        elif answer.startswith("partial:"):
            rejected = int(answer.split(":")[1])
            partial = ExportLogsPartialSuccess(
                rejected_log_records=rejected, error_message="%d records over the quota" % rejected
            )
            response = ExportLogsServiceResponse(partial_success=partial)
            self.reply(200, response.SerializeToString())
        else:
            status, _, retry_after = answer.partition(":")
            extra = {"Retry-After": retry_after} if retry_after else {}
            self.reply(int(status), b"refused by script", "text/plain", extra)

    def reply(self, status, body, content_type="application/x-protobuf", extra=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
