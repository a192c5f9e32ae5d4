"""What the public stream costs the relay: relaying N child events with 0 bureaus subscribed
(the baseline, measured in the same run) against 2 and 4 bureaus, each getting its own
de-identified copy of every event in the same confirmed batch.

    .venv/bin/python bench/public_stream.py [--events 2000] [--batch 200]

Prints events relayed per second, copies per second and the ratio to the baseline. Uses the
local RabbitMQ (a vhost of its own, deleted after) and an nx-27017 of its own.
"""
import eventlet

eventlet.monkey_patch()  # noqa: E402

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))

import pymongo  # noqa: E402

from carekit.bureaus import directory  # noqa: E402
from carekit.bureaus.broker import Api  # noqa: E402
from carekit.bureaus.onboarding import prepare_queue  # noqa: E402
from carekit.bureaus.stream import PublicStream  # noqa: E402
from carekit.events import topology  # noqa: E402
from carekit.events.bus import ConfirmingPublisher  # noqa: E402
from carekit.events.catalogue import load_contracts  # noqa: E402
from carekit.events.outbox import EventRecorder  # noqa: E402
from carekit.events.public import Keyring  # noqa: E402
from carekit.events.records import EVENT_LOG  # noqa: E402
from carekit.events.relay import Relay  # noqa: E402
from carekit.testing.local import NxServer, RabbitAdmin  # noqa: E402

BUREAUS = ["minzheng", "fulian", "gongan", "weijian"]


def snapshot(i):
    return {"child_id": "c{:06d}".format(i), "version": 2, "name": "李小明", "gender": "male",
            "birth_date": "2016-05-17", "school_id": "s1", "class_id": "k1",
            "township_id": "t1", "grade": 3, "class_number": 2,
            "left_behind_type": "father_away", "status": "active", "household_id": "h1",
            "changed_fields": ["guardian.phone"], "migrant_left_behind": False}


def run(db, amqp_uri, api, vhost, bureaus, events, batch):
    for i, bureau in enumerate(bureaus):
        prepare_queue(api, vhost, bureau, ["ChildUpdated"])
        directory.save(db, {"bureau": bureau, "events": ["ChildUpdated"],
                            "education": i == 0, "generation": 1})
    recorder = EventRecorder("registry", db, correlation_id="bench")
    recorder.database.children.insert_many([
        {"_id": "c{:06d}".format(i), "_outbox": {}, "_outbox_seq": 0} for i in range(events)])
    for i in range(events):
        recorder.update("children", {"_id": "c{:06d}".format(i)}, {"$set": {"v": 2}},
                        [recorder.event("ChildUpdated", snapshot(i), version=2)])
    publisher = ConfirmingPublisher(amqp_uri)
    publisher.declare([topology.event_exchange("registry"), topology.public_exchange()])
    relay = Relay("registry", db, publisher, ["children"], batch_size=batch,
                  public=PublicStream("registry", db, Keyring("k" * 40), 2.0))
    started = time.perf_counter()
    while relay.relay_carrier("children"):
        pass
    seconds = time.perf_counter() - started
    publisher.close()
    assert db[EVENT_LOG].count_documents({}) == events
    marked = db[EVENT_LOG].count_documents({"public.{}".format(b): 1 for b in bureaus[:1]}) \
        if bureaus else 0
    assert not bureaus or marked == events
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    load_contracts()
    admin = RabbitAdmin("amqp://guest:guest@127.0.0.1:5672//")
    api = Api(admin.api, admin.user, admin.password)
    server = NxServer(prefix="bench-public-")
    client = pymongo.MongoClient(server.start(), tz_aware=True)
    results = {}
    try:
        for count in (0, 2, 4, 0):   # the baseline twice: before and after
            vhost = "bench-public-{}".format(uuid.uuid4().hex[:8])
            admin.create_vhost(vhost)
            db = client["bench_public_{}".format(uuid.uuid4().hex[:8])]
            try:
                seconds = run(db, admin.uri(vhost), api, vhost, BUREAUS[:count], args.events,
                              args.batch)
            finally:
                admin.delete_vhost(vhost)
                client.drop_database(db.name)
            results.setdefault(count, []).append(seconds)
            print("bureaus={}: {} events in {:.2f} s = {:.0f} events/s, {:.0f} copies/s".format(
                count, args.events, seconds, args.events / seconds,
                args.events * count / seconds), flush=True)
    finally:
        client.close()
        server.stop()
    baseline = min(results[0])
    for count in (2, 4):
        print("ratio to no bureau: {} bureaus {:.2f}x the events/s".format(
            count, baseline / results[count][0]))


if __name__ == "__main__":
    main()
