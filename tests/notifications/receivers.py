"""Real local servers for the channel tests, each run as a separate process (plain threads
and asyncio, no eventlet): an SMTP server (aiosmtpd) and an HTTP server standing in for an
SMS gateway or a WeCom / DingTalk group robot. Each appends what it receives to a file, one
JSON object per line, so a test reads what really arrived.

    python -m tests.notifications.receivers smtp PORT FILE
    python -m tests.notifications.receivers http PORT FILE [STATUS]
"""
import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _append(path, record):
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


def smtp(port, path):
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            _append(path, {"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                           "data": envelope.original_content.decode("utf-8", "replace")})
            return "250 Message accepted"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    controller.stop()


def http(port, path, status=200):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            _append(path, {"path": self.path, "authorization": self.headers.get("Authorization"),
                           "body": json.loads(body.decode("utf-8"))})
            answer = json.dumps({"code": 0, "errcode": 0, "errmsg": "ok"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    kind, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if kind == "smtp":
        smtp(port, path)
    else:
        http(port, path, int(sys.argv[4]) if len(sys.argv) > 4 else 200)
