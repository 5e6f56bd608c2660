#!/usr/bin/env python3
"""stub_server.py: a stand-in seal-server for what a real one will not do on demand. Plain
HTTP on 127.0.0.1 (sealctl allows http:// to this machine only). Every POST is answered 500
with the API's error shape when its body contains b"FAIL", else 200 with b"SEALED " + body;
each POST's path is appended to LOGFILE. Usage: stub_server.py PORTFILE LOGFILE
Writes the port it got to PORTFILE, then serves until killed; logs nothing else."""
import http.server
import sys

from portfile import announce_and_serve


class Stub(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(self.server.logfile, "a", encoding="utf-8") as f:
            f.write(self.path + "\n")
        if b"FAIL" in body:
            self.answer(500, "application/json",
                        b'{"error": "internal", "message": "stub: asked to fail"}')
        else:
            self.answer(200, "application/ofd", b"SEALED " + body)

    def answer(self, status, ctype, data):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    portfile, logfile = sys.argv[1:3]
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stub)
    srv.logfile = logfile
    announce_and_serve(srv, portfile)


if __name__ == "__main__":
    main()
