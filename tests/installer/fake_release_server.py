"""A local stand-in for GitHub's release downloads: python's http.server over a folder laid out
like github.com/OWNER/REPO/releases/{download/TAG,latest/download}/ASSET, plus the faults the
installer tests need. Prints "ready PORT" once it listens on 127.0.0.1.

Usage: python3 fake_release_server.py ROOT [--tls CERT KEY] [--fault URLPATH=500|truncate|redirect-http] ...
  --tls          serve https with CERT/KEY (PEM), and plain http on a second port for redirect-http
  500            answer HTTP 500 (every time, so retries end in failure)
  truncate       promise the whole file in Content-Length, send half, close (an interrupted download)
  redirect-http  with --tls: 302 to the same path on the plain http port (a downgrade)
"""
import http.server
import ssl
import sys
import threading
from functools import partial

root = sys.argv[1]
faults = {}
tls = None
plain_port = None
args = sys.argv[2:]
while args:
    if args[0] == "--tls":
        tls = (args[1], args[2])
        args = args[3:]
        continue
    flag, spec = args[0], args[1]
    assert flag == "--fault", flag
    path, kind = spec.rsplit("=", 1)
    faults[path] = kind
    args = args[2:]


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        kind = faults.get(self.path)
        if kind == "500":
            self.send_error(500, "Internal Server Error")
            return
        if kind == "redirect-http":
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{plain_port}{self.path}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if kind == "truncate":
            data = open(self.translate_path(self.path), "rb").read()
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, fmt, *a):
        sys.stderr.write("fake-release: " + (fmt % a) + "\n")


class Plain(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *a):
        sys.stderr.write("fake-release (http): " + (fmt % a) + "\n")


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=root))
if tls:
    plain = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Plain, directory=root))
    plain_port = plain.server_address[1]
    threading.Thread(target=plain.serve_forever, daemon=True).start()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*tls)
    server.socket = context.wrap_socket(server.socket, server_side=True)
print(f"ready {server.server_address[1]}", flush=True)
server.serve_forever()
