"""Example subscriber of another bureau (民政, 妇联, 公安, 卫健 ...) over AMQP.

Written only with what a bureau would use (pika, jsonschema), none of care-network's code:
it reads the bureau's own queue with the account the county printed at onboarding,
validates every event against the payload schemas of the public AsyncAPI document, drops
copies it already has (delivery is at least once; `id` is stable), and acks.

    pip install pika==1.4.4 jsonschema==4.26.0
    curl -o asyncapi.json https://<county gateway>/api/asyncapi.json
    python bureau_amqp_subscriber.py --url 'amqp://bureau-minzheng:<password>@<host>:5672/care' \
        --queue public.minzheng --asyncapi asyncapi.json --out events.jsonl

Each accepted event is written to --out as one JSON line; an event that does not validate is
written to --rejected with the reasons (and acked: the county would have to fix it).
"""
import argparse
import json
import sys

import jsonschema
import pika


def payload_validators(asyncapi):
    """{CloudEvents type: validator} from the document's message payloads."""
    validators = {}
    for message in asyncapi["components"]["messages"].values():
        payload = message["payload"]
        validators[payload["properties"]["type"]["const"]] = jsonschema.Draft7Validator(payload)
    return validators


def problems(event, validators):
    """Why `event` (a decoded body) does not match the contract; [] when it does."""
    if not isinstance(event, dict):
        return ["not a JSON object"]
    validator = validators.get(event.get("type"))
    if validator is None:
        return ["unknown type {!r}".format(event.get("type"))]
    return ["{}: {}".format("/".join(map(str, e.path)) or "(event)", e.message)
            for e in validator.iter_errors(event)]


class Subscriber:
    def __init__(self, url, queue, validators, out, rejected):
        self.url, self.queue, self.validators = url, queue, validators
        self.out, self.rejected = out, rejected
        self.seen = set()
        self.received = 0

    def handle(self, channel, method, properties, body):
        try:
            event = json.loads(body.decode("utf-8"))
            reasons = problems(event, self.validators)
        except (UnicodeDecodeError, ValueError) as exc:
            event, reasons = body.decode("utf-8", "replace"), ["not JSON: {}".format(exc)]
        replay = bool((properties.headers or {}).get("x-care-replay"))
        if reasons:
            self.rejected.write(json.dumps({"event": event, "problems": reasons},
                                           ensure_ascii=False) + "\n")
        elif event["id"] not in self.seen:
            self.seen.add(event["id"])
            self.out.write(json.dumps({"event": event, "replay_header": replay},
                                      ensure_ascii=False) + "\n")
        self.out.flush()
        self.rejected.flush()
        self.received += 1
        channel.basic_ack(method.delivery_tag)

    def run(self, idle_seconds=None, max_messages=None):
        """Consume until `max_messages` were handled or nothing came for `idle_seconds`
        (None: for ever)."""
        connection = pika.BlockingConnection(pika.URLParameters(self.url))
        try:
            channel = connection.channel()
            channel.queue_declare(self.queue, passive=True)  # our account may not declare
            channel.basic_qos(prefetch_count=50)
            for method, properties, body in channel.consume(
                    self.queue, inactivity_timeout=idle_seconds):
                if method is None:
                    break
                self.handle(channel, method, properties, body)
                if max_messages and self.received >= max_messages:
                    break
            channel.cancel()
        finally:
            connection.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="amqp(s)://user:password@host:port/vhost")
    parser.add_argument("--queue", required=True)
    parser.add_argument("--asyncapi", required=True, help="the public AsyncAPI document")
    parser.add_argument("--out", default="-", help="accepted events, JSON lines")
    parser.add_argument("--rejected", default="-", help="events that do not validate")
    parser.add_argument("--idle-seconds", type=float, default=None,
                        help="stop after this long without a message")
    parser.add_argument("--max-messages", type=int, default=None)
    args = parser.parse_args(argv)
    with open(args.asyncapi, encoding="utf-8") as document:
        validators = payload_validators(json.load(document))
    out = sys.stdout if args.out == "-" else open(args.out, "a", encoding="utf-8")
    rejected = sys.stderr if args.rejected == "-" else open(args.rejected, "a",
                                                            encoding="utf-8")
    Subscriber(args.url, args.queue, validators, out, rejected).run(args.idle_seconds,
                                                                    args.max_messages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
