"""portfile.py: what the stand-in servers here share: serve on the port the kernel gave, after
telling the test which one through a file written whole (a rename), so a test polling for it
never reads half a port."""
import os


def announce_and_serve(srv, portfile):
    with open(portfile + ".tmp", "w", encoding="utf-8") as f:
        f.write(str(srv.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()
