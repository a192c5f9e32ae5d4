"""Roster import benchmark: a generated 2,000-row roster through the real registry service.

    .venv/bin/python bench/registry_import.py [--rows 2000] [--single 200] [--seed 7]

One run, its own infrastructure (an nx-27017 server on a free port, or MONGO_URI; a fresh
RabbitMQ vhost on AMQP_URI, default the local broker), all removed on exit:
 1. generate --rows rows with faker zh_CN (valid GB 11643 IDs, mainland mobiles) as .xlsx;
 2. import:   RegistryService.import_roster over nameko RPC (parse, validate every row,
              seal PII, one look-up of existing IDs, one insert_many of documents each carrying
              its ChildRegistered event);
 3. relay:    until every ChildRegistered is published with confirms and marked sent;
 4. again:    the same file imported a second time (every row recognised, nothing written);
 5. baselines in the same run: (a) a plain insert_many of the very documents the import
              stored, into another database of the same server: the floor for storing them;
              (b) --single rows registered one RPC call each (register_child), the way a form
              would, as rows/s.
Prints seconds, rows/s, ratios and MongoDB round trips per phase; asserts nothing.
"""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E402  (first: sockets, threads and time must be green)

import argparse  # noqa: E402
import base64  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from datetime import date  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pymongo import monitoring  # noqa: E402

import _harness as H  # noqa: E402

ROUND_TRIPS = H.RoundTrips()
monitoring.register(ROUND_TRIPS)  # before any MongoClient exists

import pymongo  # noqa: E402
from nameko.containers import ServiceContainer  # noqa: E402
from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from carekit import logs  # noqa: E402
from carekit.config import load_settings  # noqa: E402
from carekit.events.records import EVENT_LOG  # noqa: E402
from registry import roster  # noqa: E402
from registry.identity import compose_national_id  # noqa: E402
from registry.sample_roster import RosterMaker, to_xlsx  # noqa: E402
from registry.service import RegistryService  # noqa: E402

GRADES, CLASSES_PER_GRADE = 6, 8


def seed_school(registry):
    county = registry.create_county({"code": "430124", "name": "宁乡县"})
    township = registry.create_township({"county_id": county["id"], "code": "01",
                                         "name": "花明楼镇"})
    school = registry.register_school({"township_id": township["id"], "code": "HML-01",
                                       "name": "花明楼镇中心小学"})
    for grade in range(1, GRADES + 1):
        for number in range(1, CLASSES_PER_GRADE + 1):
            registry.create_class({"school_id": school["id"], "grade": grade, "number": number})
    return school


def wait_until(predicate, timeout=600):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit("gave up waiting")
        eventlet.sleep(0.05)


def phase(name):
    ROUND_TRIPS.phase = name
    return time.perf_counter()


def trips(name):
    return sum(ROUND_TRIPS.counts[name].values())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--single", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    logs.configure("WARNING")

    nx = None
    mongo_uri = os.environ.get("MONGO_URI")
    if not mongo_uri:
        nx = H.NxServer()
        mongo_uri = nx.start()
    admin = H.RabbitAdmin(os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672//"))
    vhost = "care-bench-registry-{}".format(uuid.uuid4().hex[:8])
    admin.create_vhost(vhost)
    run = uuid.uuid4().hex[:6]
    config = load_settings("registry", {
        "AMQP_URI": admin.uri(vhost), "MONGO_URI": mongo_uri, "CARE_ENV": "test",
        "MONGO_DATABASE": "bench_{}_registry".format(run), "SUBSCRIBER_MODULES": "registry.service",
        "OUTBOX_POLL_SECONDS": "0.05"})
    client = pymongo.MongoClient(mongo_uri, tz_aware=True)
    db = client[config["MONGO_DATABASE"]]
    baseline_db = client["bench_{}_baseline".format(run)]
    container = ServiceContainer(RegistryService, config)
    container.start()
    try:
        with ClusterRpcProxy(config, context_data={"user_id": "bench"}) as proxy:
            registry = proxy.registry
            school = seed_school(registry)
            classes = [(g, n) for g in range(1, GRADES + 1)
                       for n in range(1, CLASSES_PER_GRADE + 1)]
            t0 = time.perf_counter()
            rows = RosterMaker(seed=args.seed).rows(args.rows, classes)
            content = to_xlsx(rows)
            generated = time.perf_counter() - t0
            t0 = time.perf_counter()
            roster.read_rows("roster.xlsx", content)
            parse_only = time.perf_counter() - t0
            request = {"school_id": school["id"], "filename": "花名册.xlsx", "mode": "all_or_nothing",
                       "content_base64": base64.b64encode(content).decode("ascii")}
            with H.probe():
                events_before = db[EVENT_LOG].count_documents({})

            t0 = phase("import")
            result = registry.import_roster(request)
            import_s = time.perf_counter() - t0
            assert result["created"] == args.rows and not result["rejected"], result["rejected"][:3]

            t0 = phase("relay")
            with H.probe():
                wait_until(lambda: db[EVENT_LOG].count_documents(
                    {"name": "ChildRegistered", "status": "sent"}) >= args.rows)
            relay_s = time.perf_counter() - t0

            t0 = phase("again")
            again = registry.import_roster(request)
            again_s = time.perf_counter() - t0
            assert again["unchanged"] == args.rows and again["created"] == 0

            with H.probe():
                stored = list(db.children.find({}))
            t0 = phase("baseline")
            baseline_db.children.insert_many(stored)
            baseline_s = time.perf_counter() - t0

            single = args.single
            class_ids = [c["id"] for c in registry.list_classes({"school_id": school["id"], "limit": 500})["items"]]
            t0 = phase("single")
            for i in range(single):
                registry.register_child(single_payload(school, class_ids, i))
            single_s = time.perf_counter() - t0
            ROUND_TRIPS.phase = None
            with H.probe():
                events = db[EVENT_LOG].count_documents({}) - events_before
    finally:
        ROUND_TRIPS.phase = None
        container.stop()
        client.drop_database(config["MONGO_DATABASE"])
        client.drop_database(baseline_db.name)
        client.close()
        admin.delete_vhost(vhost)
        if nx:
            nx.stop()

    report(args, generated, parse_only, len(content), import_s, relay_s, again_s, baseline_s,
           single, single_s, events)


def single_payload(school, class_ids, i):
    born = date(2016, 1 + i // 100 % 12, 1 + i % 28)  # IDs distinct from the roster's region
    return {"name": "单录{}".format(i), "school_id": school["id"],
            "national_id": compose_national_id("430181", born, i % 100,
                                               "male" if i % 2 else "female"),
            "class_id": class_ids[i % len(class_ids)], "left_behind_type": "father_away",
            "parents": [{"relation": "father", "phone": "138{:08d}".format(i)}],
            "guardian": {"name": "监护人{}".format(i), "relation": "grandmother", "age": 65,
                         "phone": "139{:08d}".format(i)}}


def report(args, generated, parse_only, size, import_s, relay_s, again_s, baseline_s, single,
           single_s, events):
    n = args.rows
    print("registry roster import, {} rows (.xlsx {:.0f} KB; generated in {:.1f} s; "
          "openpyxl parse alone {:.2f} s)".format(n, size / 1024, generated, parse_only))
    print("{:<46}{:>9}{:>11}{:>13}".format("phase", "seconds", "rows/s", "db trips"))
    lines = [
        ("import (RPC, validate, seal, insert_many)", import_s, n, "import"),
        ("  + relay: all ChildRegistered published", relay_s, n, "relay"),
        ("re-import, same file (nothing written)", again_s, n, "again"),
        ("baseline: plain insert_many, same documents", baseline_s, n, "baseline"),
        ("baseline: register_child, one RPC per row", single_s, single, "single"),
    ]
    for label, seconds, rows, name in lines:
        print("{:<46}{:>9.2f}{:>11.0f}{:>13}".format(label, seconds, rows / seconds, trips(name)))
    print("ratios: import / insert_many baseline = {:.1f}x the time; import + relay / baseline "
          "= {:.1f}x; import rows/s / single-RPC rows/s = {:.1f}x".format(
              import_s / baseline_s, (import_s + relay_s) / baseline_s,
              (n / import_s) / (single / single_s)))
    print("events recorded: {}".format(events))


if __name__ == "__main__":
    main()
