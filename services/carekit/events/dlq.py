"""Inspect and repair a service's dead-letter queue, and the events its relay parked.

    python -m carekit.events.dlq list    SERVICE
    python -m carekit.events.dlq show    SERVICE ID
    python -m carekit.events.dlq replay  SERVICE (ID | --all)
    python -m carekit.events.dlq purge   SERVICE (ID | --all)
    python -m carekit.events.dlq parked  SERVICE
    python -m carekit.events.dlq requeue-parked SERVICE (ID | --all)

Listing reads messages without acking them, so they stay queued. Replay republishes the
original message to the queue it failed on (through the service's requeue exchange, with a
fresh attempt count), confirmed by the broker, and only then removes the dead letter.

Parked events are events of SERVICE that its relay could not get the broker to take after
OUTBOX_MAX_ATTEMPTS tries (e.g. no subscriber queue for a long time); `requeue-parked` makes
them pending again and the running relay publishes them. These two read the service's own
database (MONGO_URI, MONGO_DATABASE: the service's settings).
"""
import argparse
import json
import os
import sys
from base64 import b64decode

from kombu import Connection

from carekit.events import topology
from carekit.events.bus import ConfirmingPublisher, Outgoing
from carekit.events.handler import ATTEMPTS_HEADER


class DeadLetters:
    def __init__(self, amqp_uri, service):
        self.amqp_uri = amqp_uri
        self.service = service
        self.queue_name = topology.dead_letter_queue(service).name

    def _walk(self, visit):
        """Fetch every message unacked; visit(record, message) may return 'ack'. Messages not
        acked go back to the queue when the channel closes."""
        with Connection(self.amqp_uri) as conn:
            channel = conn.channel()
            topology.declare(channel, topology.entities_for_failures(self.service, []))
            while True:
                message = channel.basic_get(self.queue_name, no_ack=False)
                if message is None:
                    break
                record = json.loads(message.body)
                if visit(record, message) == "ack":
                    channel.basic_ack(message.delivery_tag)
            channel.close()

    def list(self):
        records = []
        self._walk(lambda record, message: records.append(record))
        return records

    def show(self, dead_letter_id):
        for record in self.list():
            if record["id"] == dead_letter_id:
                return record
        return None

    def replay(self, ids=None):
        publisher = ConfirmingPublisher(self.amqp_uri)
        replayed = []

        def visit(record, message):
            if ids is not None and record["id"] not in ids:
                return None
            original = record["original"]
            body = (b64decode(original["body_base64"]) if "body_base64" in original
                    else original["body"].encode("utf-8"))
            headers = {k: v for k, v in (original.get("headers") or {}).items()
                       if k not in (ATTEMPTS_HEADER, "x-death")}
            headers["x-care-replayed-from"] = record["id"]
            publisher.publish_one(Outgoing(
                message_id=(record.get("event") or {}).get("id") or record["id"],
                exchange=topology.requeue_exchange(self.service).name,
                routing_key=record["queue"], body=body,
                content_type=original.get("content_type") or "", headers=headers))
            replayed.append(record["id"])
            return "ack"
        try:
            self._walk(visit)
        finally:
            publisher.close()
        return replayed

    def purge(self, ids=None):
        purged = []

        def visit(record, message):
            if ids is None or record["id"] in ids:
                purged.append(record["id"])
                return "ack"
        self._walk(visit)
        return purged


def main(argv=None, out=sys.stdout):
    parser = argparse.ArgumentParser(prog="python -m carekit.events.dlq", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["list", "show", "replay", "purge", "parked",
                                            "requeue-parked"])
    parser.add_argument("service")
    parser.add_argument("id", nargs="?")
    parser.add_argument("--all", action="store_true", help="replay or purge every dead letter")
    parser.add_argument("--amqp-uri", default=os.environ.get(
        "AMQP_URI", "amqp://guest:guest@127.0.0.1:5672//"))
    args = parser.parse_args(argv)
    if args.command in ("parked", "requeue-parked"):
        return _parked(parser, args, out)
    dlq = DeadLetters(args.amqp_uri, args.service)
    if args.command in ("show", "replay", "purge") and not (args.id or (
            args.all and args.command != "show")):
        parser.error("{} needs a dead-letter ID{}".format(
            args.command, "" if args.command == "show" else " or --all"))
    if args.command == "list":
        for record in dlq.list():
            event = record.get("event") or {}
            print("\t".join(str(x) for x in (
                record["id"], record["failed_at"], record["queue"], record["error"]["code"],
                event.get("type", "-"), event.get("id", "-"), record["attempts"],
                record["error"]["message"][:80])), file=out)
        return 0
    if args.command == "show":
        record = dlq.show(args.id)
        if record is None:
            print("no dead letter {}".format(args.id), file=sys.stderr)
            return 1
        print(json.dumps(record, ensure_ascii=False, indent=2), file=out)
        return 0
    ids = None if args.all else {args.id}
    done = dlq.replay(ids) if args.command == "replay" else dlq.purge(ids)
    print("{} {} dead letter(s)".format("replayed" if args.command == "replay" else "purged",
                                         len(done)), file=out)
    return 0 if done or args.all else 1


def _parked(parser, args, out):
    from carekit.config import load_settings
    from carekit.events.relay import parked_events, requeue_parked
    from carekit.mongo import open_database

    if args.command == "requeue-parked" and not (args.id or args.all):
        parser.error("requeue-parked needs an event ID or --all")
    client, database = open_database(load_settings(args.service))
    try:
        if args.command == "parked":
            for doc in parked_events(database, limit=1000):
                print("\t".join(str(x) for x in (
                    doc["_id"], doc.get("name"), doc.get("recorded_at"), doc.get("attempts"),
                    str(doc.get("last_error"))[:80])), file=out)
            return 0
        count = requeue_parked(database, None if args.all else [args.id])
        print("requeued {} parked event(s)".format(count), file=out)
        return 0 if count or args.all else 1
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())
