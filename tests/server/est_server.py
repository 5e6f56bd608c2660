#!/usr/bin/env python3
"""est_server.py: a stand-in external CA speaking EST simpleenroll (RFC 7030 4.2) over HTTPS
for test_server_extca.c. It does what a CA does with the request — openssl checks the
request's own signature (SM2, GM ID) and signs a certificate for its key with the dev seal CA —
and answers a base64 certs-only PKCS#7.
Usage: est_server.py PKIDIR WORKDIR PORTFILE MODE   (MODE: good | pending | garbage)
Counts requests in WORKDIR/requests; writes the port to PORTFILE; serves until killed."""
import base64
import http.server
import os
import ssl
import subprocess
import sys

PKI, WORK, PORTFILE, MODE = sys.argv[1:5]
ID = "distid:1234567812345678"
EXT = ("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n"
       "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n")


def run(*args):
    subprocess.run(args, check=True, cwd=WORK, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


class Est(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, ctype, body):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(os.path.join(WORK, "requests"), "a", encoding="ascii") as f:
            f.write(self.path + "\n")
        if self.path != "/.well-known/est/simpleenroll" or \
                self.headers.get("Content-Type") != "application/pkcs10":
            return self.answer(400, "text/plain", b"not a simpleenroll request")
        if MODE == "pending":
            return self.answer(202, "text/plain", b"queued for an operator")
        if MODE == "garbage":
            return self.answer(200, "application/pkcs7-mime", b"this is no pkcs7")
        with open(os.path.join(WORK, "req.der"), "wb") as f:
            f.write(base64.b64decode(body))
        with open(os.path.join(WORK, "ext.cnf"), "w", encoding="ascii") as f:
            f.write(EXT)
        run("openssl", "req", "-inform", "DER", "-in", "req.der", "-out", "req.pem")
        run("openssl", "x509", "-req", "-in", "req.pem", "-CA", f"{PKI}/seal-ca.pem",
            "-CAkey", f"{PKI}/seal-ca.key", "-passin", f"file:{PKI}/key-password",
            "-days", "3650", "-sm3", "-sigopt", ID, "-vfyopt", ID, "-set_serial", "0x5E57CA",
            "-extfile", "ext.cnf", "-out", "cert.pem")
        run("openssl", "crl2pkcs7", "-nocrl", "-certfile", "cert.pem", "-certfile",
            f"{PKI}/seal-ca.pem", "-outform", "DER", "-out", "certs.p7")
        with open(os.path.join(WORK, "certs.p7"), "rb") as f:
            p7 = base64.encodebytes(f.read())
        self.answer(200, "application/pkcs7-mime; smime-type=certs-only", p7)


def main():
    srv = http.server.HTTPServer(("127.0.0.1", 0), Est)
    with open(f"{PKI}/key-password", encoding="utf-8") as f:
        password = f.readline().rstrip("\n")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(f"{PKI}/tls-server.pem", f"{PKI}/tls-server.key", password=password)
    ctx.verify_mode = ssl.CERT_REQUIRED          # the seal server presents its identity
    ctx.load_verify_locations(f"{PKI}/tls-ca.pem")
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(PORTFILE + ".tmp", "w", encoding="ascii") as f:
        f.write(str(srv.server_address[1]))
    os.rename(PORTFILE + ".tmp", PORTFILE)
    srv.serve_forever()


if __name__ == "__main__":
    main()
