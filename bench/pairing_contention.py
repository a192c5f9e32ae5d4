"""Contention benchmark for the pairing service: one school, 1 vs 3 replicas, before vs now.

    .venv/bin/python bench/pairing_contention.py [--children 500] [--clients 12]
                                                 [--seconds 20] [--baseline cdc8f49]

Two designs, each with 1 and then 3 replicas (containers of the pairing service on one
database and one vhost, competing for every queue), on a fresh database each time:
- before: the school's pairing book, ONE document rewritten by every change (the pairing
  package at git revision --baseline, run on today's kit);
- now: one document per pairing, places counters, single-document writes.
Each run, in its own process:
1. burst: a school of --children children (10 classes, 40 staff, 20 volunteers) is fully
   paired: a plan's mentors (120), a friend each (before: by hand, the book's plans propose
   none), 20 proxy parents; then every child's
   ChildStatusChanged (parents came home) is published at once. Reports the time to handle
   them all, handler retries and dead letters (a `busy` refusal in a handler is a retry),
   conditional writes that lost a race, and whether every pairing of those children ended;
2. commands: --clients clients assign and release proxy parents for 60 children of the same
   school for --seconds (the ops team's run). Reports commands/s, `busy` refusals, and
   whether the stored state and the event log agree.
The baseline of each figure is the "before" design measured in the same run.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ROOT / "services"
CLASSES = ["c{}".format(i) for i in range(10)]
COUNTY = "county-1"


# -- orchestration (this process) ------------------------------------------------------------------
def export_baseline(revision, into):
    """The pairing package as it was at `revision`, in `into`/services/pairing."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "services/pairing"],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", into], input=archive, check=True)
    return os.path.join(into, "services")


def run_one(design, replicas, args, mongo_uri, admin, pythonpath):
    vhost = "care-bench-pairing-{}".format(uuid.uuid4().hex[:8])
    admin.create_vhost(vhost)
    try:
        env = dict(os.environ, PYTHONPATH=pythonpath)
        command = [sys.executable, __file__, "--run", design, "--replicas", str(replicas),
                   "--children", str(args.children), "--clients", str(args.clients),
                   "--seconds", str(args.seconds), "--mongo", mongo_uri,
                   "--amqp", admin.uri(vhost)]
        done = subprocess.run(command, env=env, capture_output=True, text=True,
                              timeout=args.timeout)
        lines = [l for l in done.stdout.splitlines() if l.startswith("{")]
        if done.returncode or not lines:
            sys.stderr.write(done.stderr[-4000:])
            raise SystemExit("{} with {} replicas failed".format(design, replicas))
        return json.loads(lines[-1])
    finally:
        admin.delete_vhost(vhost)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=500)
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--baseline", default="cdc8f49")
    parser.add_argument("--timeout", type=float, default=1200)
    parser.add_argument("--run")
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--mongo")
    parser.add_argument("--amqp")
    args = parser.parse_args(argv)
    if args.run:
        return single_run(args)

    sys.path.insert(0, str(SERVICES))
    from carekit.testing.local import NxServer, RabbitAdmin
    admin = RabbitAdmin(os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672//"))
    nx = NxServer(prefix="care-bench-pairing-")
    mongo_uri = os.environ.get("MONGO_URI") or nx.start()
    results = {}
    try:
        with tempfile.TemporaryDirectory(prefix="care-bench-pairing-") as old:
            paths = {"before": export_baseline(args.baseline, old) + os.pathsep + str(SERVICES),
                     "now": str(SERVICES)}
            for replicas in (1, 3):
                for design in ("before", "now"):
                    print("running: {} design, {} replica(s)...".format(design, replicas),
                          flush=True)
                    results[(design, replicas)] = run_one(design, replicas, args, mongo_uri,
                                                          admin, paths[design])
    finally:
        nx.stop()
    print_report(results, args)


def print_report(results, args):
    print("\nburst: {} ChildStatusChanged for one school, every pairing of those children "
          "to end".format(args.children))
    print("  {:<8} {:>8} {:>9} {:>8} {:>9} {:>10} {:>10} {:>8} {:>6}".format(
        "design", "replicas", "seconds", "ev/s", "x before", "hdl retry", "lost race",
        "DLQ", "right"))
    for replicas in (1, 3):
        base = results[("before", replicas)]["burst"]
        for design in ("before", "now"):
            r = results[(design, replicas)]["burst"]
            print("  {:<8} {:>8} {:>9.1f} {:>8.1f} {:>9.2f} {:>10} {:>10} {:>8} {:>6}".format(
                design, replicas, r["seconds"], r["events_per_s"],
                r["events_per_s"] / base["events_per_s"], r["handler_retries"],
                r["lost_races"], r["dead_lettered"], "yes" if r["right"] else "NO"))
    print("\ncommands: {} clients assigning and releasing proxy parents for {:.0f} s".format(
        args.clients, args.seconds))
    print("  {:<8} {:>8} {:>9} {:>9} {:>9} {:>8} {:>10} {:>10} {:>6}".format(
        "design", "replicas", "commands", "cmd/s", "x before", "busy", "refused", "lost race",
        "agree"))
    for replicas in (1, 3):
        base = results[("before", replicas)]["commands"]
        for design in ("before", "now"):
            r = results[(design, replicas)]["commands"]
            print("  {:<8} {:>8} {:>9} {:>9.1f} {:>9.2f} {:>8} {:>10} {:>10} {:>6}".format(
                design, replicas, r["committed"], r["per_s"], r["per_s"] / base["per_s"],
                r["busy"], r["refused"], r["lost_races"], "yes" if r["agree"] else "NO"))
    print("\n(ev/s, cmd/s: this machine, shared; 'lost race': conditional writes that found "
          "the document changed and went round again; 'hdl retry': handler failures retried "
          "by the kit, e.g. a `busy` refusal)")


# -- one run (its own process, so `pairing` is the design under test) -------------------------------
def single_run(args):
    import eventlet
    eventlet.monkey_patch()
    import random

    from kombu import Connection
    from nameko.containers import ServiceContainer
    from nameko.exceptions import RemoteError
    from nameko.standalone.rpc import ClusterRpcProxy

    from carekit import logs, metrics
    from carekit.config import load_settings
    from carekit.errors import parse_remote_error
    from carekit.events.bus import ConfirmingPublisher, Outgoing
    from carekit.events.catalogue import load_contracts
    from carekit.events.envelope import CONTENT_TYPE, encode, new_envelope
    from carekit.events.records import EVENT_LOG, PENDING_FLAG
    import pairing.service
    import pairing.storage as storage

    logs.configure("CRITICAL")
    load_contracts()
    now_design = args.run == "now"
    lost = {"n": 0}
    if now_design:
        from pairing.desk import WRITE_RETRIES

        def lost_races():
            return sum(s.value for m in WRITE_RETRIES.collect() for s in m.samples
                       if s.name.endswith("_total"))
    else:  # count the book's conditional saves that found the book changed
        save = storage.Books.save

        def counted_save(self, *a, **kw):
            ok = save(self, *a, **kw)
            lost["n"] += 0 if ok else 1
            return ok
        storage.Books.save = counted_save

        def lost_races():
            return lost["n"]

    def handled(outcome):
        return sum(s.value for m in metrics.EVENTS_HANDLED.collect() for s in m.samples
                   if s.name.endswith("_total") and s.labels.get("service") == "pairing"
                   and s.labels.get("outcome") == outcome)

    database = "bench_pairing_{}".format(uuid.uuid4().hex[:8])
    config = load_settings("pairing", {
        "AMQP_URI": args.amqp, "MONGO_URI": args.mongo, "MONGO_DATABASE": database,
        "CARE_ENV": "test", "SUBSCRIBER_MODULES": "pairing.service", "LOG_LEVEL": "ERROR"})
    containers = [ServiceContainer(pairing.service.PairingService, config)
                  for _ in range(args.replicas)]
    for container in containers:
        container.start()
    from carekit.mongo import open_database
    mongo, db = open_database(config)
    publisher = ConfirmingPublisher(args.amqp)

    def publish(events):
        envelopes = [new_envelope("registry", name, data, subject=next(iter(data.values())))
                     for name, data in events]
        for start in range(0, len(envelopes), 500):
            part = envelopes[start:start + 500]
            publisher.publish([Outgoing(e["id"], "registry.events", e["type"].split(".")[-2],
                                        encode(e), CONTENT_TYPE) for e in part])
        return [e["id"] for e in envelopes]

    def dlq_depth():
        with Connection(args.amqp) as conn:
            try:
                return conn.default_channel.queue_declare(queue="dlq.pairing",
                                                          passive=True).message_count
            except Exception:  # not declared: nothing was dead-lettered
                return 0

    def settle(ids, timeout=900):
        deadline = time.monotonic() + timeout
        while True:
            done = db.processed_events.count_documents({"event_id": {"$in": ids},
                                                        "status": "done"})
            if done + dlq_depth() >= len(ids) or time.monotonic() > deadline:
                return done
            eventlet.sleep(0.25)

    def relayed():
        while any(db[c].count_documents({PENDING_FLAG: True}) for c in storage.CARRIERS):
            eventlet.sleep(0.25)

    def call(proxy, method, payload):
        try:
            return getattr(proxy.pairing, method)(payload), None
        except RemoteError as exc:
            body = parse_remote_error(exc) or {"code": exc.exc_type}
            return None, body["code"]

    import tests.pairing.factory as factory  # noqa: E402 (registry event shapes)
    seed = [("SchoolRegistered", factory.school("s1"))]
    seed += [("StaffRegistered", factory.staff("t{:02d}".format(i),
                                               class_ids=[CLASSES[i % 10]])) for i in range(40)]
    seed += [("ClassCreated", factory.klass(c, head_teacher_id="t{:02d}".format(i),
                                            number=i + 1)) for i, c in enumerate(CLASSES)]
    seed += [("VolunteerRegistered", factory.volunteer("v{:02d}".format(i))) for i in range(20)]
    kids = ["k{:03d}".format(i) for i in range(args.children)]
    seed += [("ChildRegistered", factory.registered(k, class_id=CLASSES[i % 10]))
             for i, k in enumerate(kids)]
    settle(publish(seed))
    with ClusterRpcProxy(config) as proxy:
        if now_design:
            call(proxy, "set_policy", {"county_id": COUNTY, "mentor_scope": "all"})
        plan, _ = call(proxy, "propose_plan", {"school_id": "s1"})
        call(proxy, "apply_plan", {"plan_id": plan["plan_id"]})
        if not now_design:  # the book's plans propose no friends: pair them by hand
            for i, kid in enumerate(kids):
                call(proxy, "pair_buddy", {"child_id": kid,
                                           "buddy_child_id": kids[(i + 10) % len(kids)]})
        for i in range(min(20, len(kids) // 7)):
            call(proxy, "assign_proxy_parent", {"child_id": kids[i * 7],
                                                "volunteer_id": "v{:02d}".format(i)})
    relayed()

    def active_of(children):
        if now_design:
            return db.pairings.count_documents({"state": "active",
                                                "child_id": {"$in": children}})
        wanted = set(children)
        return sum(1 for book in db.pairing_books.find({}) for p in book.get("pairings") or []
                   if p["child_id"] in wanted)

    # 1. the burst
    paired = active_of(kids)
    before = {"retried": handled("retried"), "dead": handled("dead_lettered"),
              "lost": lost_races()}
    started = time.monotonic()
    burst = publish([("ChildStatusChanged", factory.status_changed(
        k, "not_left_behind", version=2, class_id=CLASSES[i % 10])) for i, k in enumerate(kids)])
    done = settle(burst)
    seconds = time.monotonic() - started
    relayed()
    ended_events = db[EVENT_LOG].count_documents({"name": {"$in": [
        "MentorReleased", "BuddyUnpaired", "ProxyParentReleased"]}})
    burst_result = {
        "pairings_before": paired, "handled": done, "seconds": seconds,
        "events_per_s": len(burst) / seconds,
        "handler_retries": handled("retried") - before["retried"],
        "dead_lettered": dlq_depth(), "lost_races": lost_races() - before["lost"],
        "left_active": active_of(kids), "end_events": ended_events,
        "right": active_of(kids) == 0 and done == len(burst) and ended_events == paired}

    # 2. commands: clients assigning and releasing proxy parents
    more = ["p{:03d}".format(i) for i in range(60)]
    settle(publish([("ChildRegistered", factory.registered(k, class_id=CLASSES[i % 10]))
                    for i, k in enumerate(more)]))
    counts = {"committed": 0, "busy": 0, "refused": 0}
    before_lost = lost_races()
    deadline = time.monotonic() + args.seconds

    def client(n):
        rng = random.Random(n)
        with ClusterRpcProxy(config) as proxy:
            while time.monotonic() < deadline:
                kid = rng.choice(more)
                if rng.random() < 0.5:
                    _, code = call(proxy, "assign_proxy_parent", {
                        "child_id": kid, "volunteer_id": "v{:02d}".format(rng.randrange(20)),
                        "replace": rng.random() < 0.5})
                else:
                    found, code = call(proxy, "pairings", {"child_id": kid,
                                                           "kind": "proxy_parent"})
                    items = found["items"] if isinstance(found, dict) else (found or [])
                    if not items:
                        continue
                    _, code = call(proxy, "release_proxy_parent",
                                   {"pairing_id": items[0]["pairing_id"]})
                key = "committed" if code is None else "busy" if code == "busy" else "refused"
                counts[key] += 1
    started = time.monotonic()
    pool = eventlet.GreenPool(args.clients)
    for n in range(args.clients):
        pool.spawn(client, n)
    pool.waitall()
    elapsed = time.monotonic() - started
    relayed()
    net = {}
    for doc in db[EVENT_LOG].find({"name": {"$in": ["ProxyParentAssigned",
                                                     "ProxyParentReleased"]}}):
        data = doc["envelope"]["data"]
        if data["child_id"] in more:
            net[data["pairing_id"]] = net.get(data["pairing_id"], 0) + (
                1 if doc["name"] == "ProxyParentAssigned" else -1)
    if now_design:
        active = {d["_id"] for d in db.pairings.find({"state": "active", "kind": "proxy_parent",
                                                      "child_id": {"$in": more}})}
    else:
        active = {p["pairing_id"] for book in db.pairing_books.find({})
                  for p in book.get("pairings") or []
                  if p["kind"] == "proxy_parent" and p["child_id"] in more}
    commands = dict(counts, per_s=counts["committed"] / elapsed,
                    lost_races=lost_races() - before_lost,
                    agree={p for p, n in net.items() if n == 1} == active
                    and all(n in (0, 1) for n in net.values()))
    print(json.dumps({"burst": burst_result, "commands": commands}), flush=True)
    publisher.close()
    for container in containers:
        container.stop()
    mongo.drop_database(database)
    mongo.close()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
