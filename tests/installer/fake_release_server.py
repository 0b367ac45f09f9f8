"""A local stand-in for GitHub's release downloads: python's http.server over a folder laid out
like github.com/OWNER/REPO/releases/{download/TAG,latest/download}/ASSET, plus the faults the
installer tests need. Prints "ready PORT" once it listens on 127.0.0.1.

Usage: python3 fake_release_server.py ROOT [--fault URLPATH=500|truncate] ...
  500       answer HTTP 500 (every time, so retries end in failure)
  truncate  promise the whole file in Content-Length, send half, close (an interrupted download)
"""
import http.server
import os
import sys
from functools import partial

root = sys.argv[1]
faults = {}
args = sys.argv[2:]
while args:
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


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=root))
print(f"ready {server.server_address[1]}", flush=True)
server.serve_forever()
