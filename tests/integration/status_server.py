#!/usr/bin/env python3
"""status_server.py: serves a directory (make_status --mirror: api/v1/seals/<esID>/status) on
127.0.0.1 for test_cli.sh, standing in for the province's status endpoint until the server has
one. Usage: status_server.py DIR PORTFILE http|https|mtls [CERT KEY PASSFILE CA]
Writes the port it got to PORTFILE, then serves until killed; logs nothing."""
import functools
import http.server
import ssl
import sys

from portfile import announce_and_serve


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def guess_type(self, path):
        return "application/vnd.sealpki.status+der"


def main():
    directory, portfile, mode = sys.argv[1:4]
    handler = functools.partial(Quiet, directory=directory)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if mode != "http":
        cert, key, passfile, ca = sys.argv[4:8]
        with open(passfile, encoding="utf-8") as f:
            password = f.readline().rstrip("\n")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(cert, key, password=password)
        if mode == "mtls":
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(ca)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    announce_and_serve(srv, portfile)


if __name__ == "__main__":
    main()
