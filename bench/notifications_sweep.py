"""Daily sweep benchmark: a county of 30,000 left-behind children, 3,000 staff and 500,000
care records in the notifications projections, every child due (the first morning after
a deployment, or a county that changed its rules: the worst case).

    .venv/bin/python bench/notifications_sweep.py [--children 30000] [--records 500000]

The projections are SEEDED DIRECTLY with insert_many (schools, classes, staff, children with
their last contact per kind, mentor pairings, open follow-ups, the care records themselves,
and an agenda entry per child due now): pushing 500,000 VisitLogged events through the
broker and the stand-in would take far longer than the sweep and is measured elsewhere
(bench/event_throughput.py). Seeding is not timed.

Timed, on its own nx-27017 server, for three sizes:
  A  30,000 children, 500,000 records  (the brief)
  B  15,000 children, 500,000 records  (half the children: the sweep should take about half)
  C  30,000 children, 250,000 records  (half the records: the sweep should not change)
(best of --runs sweeps each, the decided notifications removed between runs) and, for
each, a baseline measured in the same run on the same data: one pass over every
care record computing each child's last contact per kind (what a sweep that reads care
records would at least have to do). Printed: seconds, children/s, reminders decided, and
the ratios that show what the cost follows. For A, one more sweep the next morning shows the
everyday cost: only children whose stored next-due instant has come are read. Wall time on a machine others share depends on
their load (printed); CPU seconds (this process + the MongoDB server process) do not.
"""
import argparse
import os
import random
import sys
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "services"))

import pymongo  # noqa: E402

from carekit.testing.local import NxServer  # noqa: E402
from notifications import storage as st  # noqa: E402
from notifications import sweep  # noqa: E402
from notifications.clock import CHINA  # noqa: E402

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=CHINA)
KINDS = ("talk", "parent_call", "home_visit", "study_guidance", "counselling", "aid")
WEIGHTS = (40, 25, 10, 15, 5, 5)
CHILDREN_PER_SCHOOL, STAFF_PER_SCHOOL, CLASSES_PER_SCHOOL = 100, 10, 6


def _chunks(items, size=20000):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def seed(db, n_children, n_records, rng):
    """Insert the projections for one county; returns nothing it needs to time."""
    schools = max(1, n_children // CHILDREN_PER_SCHOOL)
    db[st.SCHOOLS].insert_many([{"_id": "s{}".format(s), "name": "第{}小学".format(s),
                                 "county_id": "c1", "township_id": "t{}".format(s % 20),
                                 "version": 1} for s in range(schools)])
    staff, classes = [], []
    for s in range(schools):
        for i in range(STAFF_PER_SCHOOL):
            roles = ["school_admin"] if i == 0 else (["head_teacher"] if i <= CLASSES_PER_SCHOOL
                                                     else ["teacher"])
            staff.append({"_id": "s{}-t{}".format(s, i), "school_id": "s{}".format(s),
                          "name": "教师{}".format(i), "roles": roles, "active": True,
                          "version": 1})
        for k in range(CLASSES_PER_SCHOOL):
            classes.append({"_id": "s{}-c{}".format(s, k), "school_id": "s{}".format(s),
                            "name": "{}年级1班".format(k + 1),
                            "head_teacher_id": "s{}-t{}".format(s, k + 1), "version": 1})
    db[st.STAFF].insert_many(staff)
    db[st.CLASSES].insert_many(classes)

    # Each child's last contact per kind is drawn on its own (the same share of children is
    # overdue at every size); the records are that last contact plus older ones, so the
    # number of records changes nothing the rules see.
    now = NOW.timestamp()
    last = {}
    for c in range(n_children):
        last[c] = {kind: {"at": now - rng.uniform(1, 45) * 86400, "record_id": None}
                   for kind in KINDS if rng.random() < 0.8}
    anchors = [(c, kind) for c in range(n_children) for kind in last[c]]
    records = []
    for r in range(n_records):
        if r < len(anchors):
            child, kind = anchors[r]
            at = last[child][kind]["at"]
            last[child][kind]["record_id"] = "r{}".format(r)
        else:
            child = rng.randrange(n_children)
            kind = rng.choices(KINDS, WEIGHTS)[0]
            newest = (last[child].get(kind) or {}).get("at", now - 45 * 86400)
            at = newest - rng.uniform(1, 120) * 86400
        records.append({"_id": "r{}".format(r), "child_id": "k{}".format(child), "kind": kind,
                        "occurred_at": at, "revision": 1, "deleted": False, "flagged": False,
                        "by_id": "x"})
    for c in list(last):  # kinds whose anchor did not fit in n_records
        last[c] = {k: v for k, v in last[c].items() if v["record_id"]}
    for chunk in _chunks(records):
        db[st.CARE_RECORDS].insert_many(chunk, ordered=False)

    children, pairings, follow_ups, agenda = [], [], [], []
    for c in range(n_children):
        s, k = c // CHILDREN_PER_SCHOOL % schools, c % CLASSES_PER_SCHOOL
        born = datetime(2012 + c % 6, 1 + c % 12, 1 + c % 28).date()
        children.append({"_id": "k{}".format(c), "name": "儿童{}".format(c),
                         "school_id": "s{}".format(s), "class_id": "s{}-c{}".format(s, k),
                         "status": "active", "birth_date": born.isoformat(),
                         "registered_on": "2025-09-01", "version": 1, "last": last.get(c, {})})
        if c % 10:  # nine children in ten have a mentor
            pairings.append({"_id": "p{}".format(c), "kind": "mentor", "child_id": "k{}".format(c),
                             "school_id": "s{}".format(s), "status": "active",
                             "partner_id": "s{}-t{}".format(s, c % STAFF_PER_SCHOOL),
                             "partner_name": "教师", "started_on": "2025-09-01"})
        if c % 7 == 0:
            follow_ups.append({"_id": "a{}".format(c), "record_id": "r0",
                               "child_id": "k{}".format(c), "owner_id": "s{}-t1".format(s),
                               "due_on": (NOW.date() - timedelta(days=c % 3)).isoformat(),
                               "done": False, "withdrawn": False, "revision": 1})
        agenda.append({"_id": "child:k{}".format(c), "kind": "child", "subject_id": "k{}".format(c),
                       "next_due_at": 0, "dirty": False, "lease_until": 0, "lease_owner": None})
    for collection, docs in ((st.CHILDREN, children), (st.PAIRINGS, pairings),
                             (st.FOLLOW_UPS, follow_ups), (st.AGENDA, agenda)):
        for chunk in _chunks(docs):
            db[collection].insert_many(chunk, ordered=False)
    for collection, models in st.INDEXES.items():
        db[collection].create_indexes(models)


def baseline_scan(db):
    """Every care record read once, last contact per child and kind kept in memory."""
    last = {}
    for doc in db[st.CARE_RECORDS].find({"deleted": False}, {"child_id": 1, "kind": 1,
                                                              "occurred_at": 1}):
        key = (doc["child_id"], doc["kind"])
        if last.get(key, 0) < doc["occurred_at"]:
            last[key] = doc["occurred_at"]
    return len(last)


class Cpu:
    """CPU seconds used by this process and by the MongoDB server process (when it is ours):
    what a run costs whatever else the shared machine is doing meanwhile."""

    def __init__(self, server_pid):
        self.server_pid = server_pid

    def _server(self):
        if not self.server_pid:
            return 0.0
        with open("/proc/{}/stat".format(self.server_pid)) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __call__(self, work):
        wall, client, server = time.perf_counter(), time.process_time(), self._server()
        result = work()
        return result, (time.perf_counter() - wall, time.process_time() - client,
                        self._server() - server)


def measure(client, label, n_children, n_records, rng, runs, cpu):
    db = client["bench_sweep_{}".format(label.lower())]
    t0 = time.perf_counter()
    seed(db, n_children, n_records, rng)
    seeded = time.perf_counter() - t0
    swept = scanned = (float("inf"),) * 3
    for run in range(runs):  # best of `runs`: the machine is shared
        if run:
            db[st.NOTIFICATIONS].delete_many({})
            db[st.AGENDA].update_many({}, {"$set": {"next_due_at": 0}})
        stats, cost = cpu(lambda: sweep.run(db, NOW.astimezone(timezone.utc),
                                            max_batches=10 ** 6))
        swept = min(swept, cost)
        _, cost = cpu(lambda: baseline_scan(db))
        scanned = min(scanned, cost)
    left = db[st.AGENDA].count_documents({"next_due_at": {"$lte": NOW.timestamp()}})
    print("{}  children {:>6,}  records {:>7,} | sweep wall {:6.1f} s, cpu {:5.1f} s "
          "(sweep {:4.1f} + MongoDB {:4.1f})  {:6,.0f} children/s of wall  reminders {:>7,}  "
          "still due {} | baseline record scan wall {:6.1f} s, cpu {:5.1f} s | seeding {:4.0f} s"
          " | load {:.1f}".format(
              label, n_children, n_records, swept[0], swept[1] + swept[2], swept[1], swept[2],
              stats.get("subjects", 0) / swept[0], stats.get("reminders", 0), left, scanned[0],
              scanned[1] + scanned[2], seeded, os.getloadavg()[0]), flush=True)
    assert stats.get("subjects") == n_children and left == 0, stats
    if label == "A":  # the next morning: only the subjects whose next-due instant has come
        stats, cost = cpu(lambda: sweep.run(db, (NOW + timedelta(days=1)).astimezone(
            timezone.utc), max_batches=10 ** 6))
        print("A' the next morning: subjects due {:>6,} of {:,}, reminders {:>6,} | sweep wall "
              "{:5.1f} s, cpu {:4.1f} s | load {:.1f}".format(
                  stats.get("subjects", 0), n_children, stats.get("reminders", 0), cost[0],
                  cost[1] + cost[2], os.getloadavg()[0]), flush=True)
    return swept[0], scanned[0], swept[1] + swept[2], scanned[1] + scanned[2]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=30000)
    parser.add_argument("--records", type=int, default=500000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--only-a", action="store_true",
                        help="size A only (no ratios): a quicker look at the headline figure")
    args = parser.parse_args(argv)
    server = NxServer(prefix="care-bench-sweep-")
    uri = os.environ.get("MONGO_URI") or server.start()
    client = pymongo.MongoClient(uri, tz_aware=True)
    try:
        rng = random.Random(args.seed)
        cpu = Cpu(None if os.environ.get("MONGO_URI") else server.pid)
        a = measure(client, "A", args.children, args.records, rng, args.runs, cpu)
        if args.only_a:
            return
        b = measure(client, "B", args.children // 2, args.records, rng, args.runs, cpu)
        c = measure(client, "C", args.children, args.records // 2, rng, args.runs, cpu)
        print("\nA vs B (children x2, same records): sweep wall {:.2f}x, cpu {:.2f}x;   "
              "baseline scan wall {:.2f}x, cpu {:.2f}x".format(
                  a[0] / b[0], a[2] / b[2], a[1] / b[1], a[3] / b[3]))
        print("A vs C (records x2, same children): sweep wall {:.2f}x, cpu {:.2f}x;   "
              "baseline scan wall {:.2f}x, cpu {:.2f}x".format(
                  a[0] / c[0], a[2] / c[2], a[1] / c[1], a[3] / c[3]))
        print("sweep A: wall {:.1f} s, cpu {:.1f} s for {:,} children (target < 60 s); "
              "the record scan alone: wall {:.1f} s, cpu {:.1f} s".format(
                  a[0], a[2], args.children, a[1], a[3]))
    finally:
        client.close()
        if not os.environ.get("MONGO_URI"):
            server.stop()


if __name__ == "__main__":
    main()
