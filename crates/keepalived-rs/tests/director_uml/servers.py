"""Real servers for the side-by-side director test (runs inside UML).

usage: servers.py READY_FILE ADDR:PORT... (IPv6 as [ADDR]:PORT)

Answers HTTP GET / with 200 "ok" on every address, writes READY_FILE
once every socket is bound, and runs until killed.
"""
import http.server
import socket
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server4(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET
    daemon_threads = True


class Server6(Server4):
    address_family = socket.AF_INET6


def main():
    ready, listens = sys.argv[1], sys.argv[2:]
    servers = []
    for spec in listens:
        host, port = spec.rsplit(":", 1)
        cls = Server6 if host.startswith("[") else Server4
        servers.append(cls((host.strip("[]"), int(port)), Handler))
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    with open(ready, "w") as f:
        f.write("ready\n")
    threading.Event().wait()


main()
