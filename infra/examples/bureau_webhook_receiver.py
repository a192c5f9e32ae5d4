"""Example webhook receiver of another bureau that does not speak AMQP.

Only the standard library and jsonschema, none of care-network's code. For every POST it
checks, in this order, and refuses with 401 what fails:
- X-Care-Timestamp is within 5 minutes of our clock (a captured request cannot be replayed),
- X-Care-Signature is v1=<hex HMAC-SHA256 of "<timestamp>.<body>" with our secret>,
  compared in constant time;
then 400 for a body that is not JSON, 422 for an event that does not validate against the
public AsyncAPI document's payload schemas. A valid event is stored once (its `id` is the same
for every copy) and answered 204; a copy already stored is answered 204 too.

    pip install jsonschema==4.26.0
    python bureau_webhook_receiver.py --port 8443 --secret <secret printed at onboarding> \
        --asyncapi asyncapi.json --out events.jsonl
Put it behind TLS (the county only POSTs to https:// endpoints).
"""
import argparse
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jsonschema

TOLERANCE_SECONDS = 300
MAX_BODY = 1024 * 1024


def payload_validators(asyncapi):
    return {m["payload"]["properties"]["type"]["const"]: jsonschema.Draft7Validator(m["payload"])
            for m in asyncapi["components"]["messages"].values()}


def signature_ok(secret, timestamp, signature, body, now):
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(now - sent_at) > TOLERANCE_SECONDS:
        return False
    expected = "v1=" + hmac.new(secret.encode("utf-8"), str(sent_at).encode("ascii") + b"."
                                + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature or "")


class Receiver:
    def __init__(self, secret, validators, out):
        self.secret, self.validators, self.out = secret, validators, out
        self.seen = set()
        self.lock = threading.Lock()

    def receive(self, headers, body, now=None):
        """(HTTP status, reason) for one POST."""
        now = time.time() if now is None else now
        if not signature_ok(self.secret, headers.get("X-Care-Timestamp"),
                            headers.get("X-Care-Signature"), body, now):
            return 401, "bad signature or timestamp"
        try:
            event = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return 400, "not JSON"
        validator = self.validators.get(event.get("type")) if isinstance(event, dict) else None
        if validator is None:
            return 422, "unknown event type"
        errors = [e.message for e in validator.iter_errors(event)]
        if errors:
            return 422, "; ".join(errors)[:500]
        with self.lock:
            if event["id"] not in self.seen:
                self.seen.add(event["id"])
                self.out.write(json.dumps({"event": event}, ensure_ascii=False) + "\n")
                self.out.flush()
        return 204, "stored"


def handler_for(receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._answer(413, "too large")
                return
            status, reason = receiver.receive(self.headers, self.rfile.read(length))
            self._answer(status, reason)

        def _answer(self, status, reason):
            body = json.dumps({"status": status, "reason": reason}).encode("utf-8")
            self.send_response(status)
            if status != 204:
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 204:
                self.wfile.write(body)

        def log_message(self, fmt, *args):
            sys.stderr.write("receiver: " + (fmt % args) + "\n")
    return Handler


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--asyncapi", required=True)
    parser.add_argument("--out", default="-")
    args = parser.parse_args(argv)
    with open(args.asyncapi, encoding="utf-8") as document:
        validators = payload_validators(json.load(document))
    out = sys.stdout if args.out == "-" else open(args.out, "a", encoding="utf-8")
    server = ThreadingHTTPServer((args.host, args.port), handler_for(Receiver(
        args.secret, validators, out)))
    print("listening on {}:{}".format(args.host, args.port), file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
