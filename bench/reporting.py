"""Reporting benchmark: rebuilding the read models from a county's events, and the dashboard
queries on them, at two sizes.

    .venv/bin/python bench/reporting.py [--sizes 3000:50000,10000:150000] [--runs 3]

For each size (children:care records) a county is generated (100 children per school, 20
townships at most, mentors and hand-in-hand friends, care records over a term, diary
entries, activities, aid, awards, reminders) as the events the publishers would send, on
its own nx-27017 server. Timed:

  rebuild   every event loaded by its schema and fed to the read models exactly as the
            handlers do (projection.apply), one by one; baseline in the same run: the same
            number of plain single-document inserts (the stand-in's write floor; timed on
            5,000 of them and scaled). Not
            included: RabbitMQ and the ledger's claim/done writes of the real rebuild
            (`python -m carekit.events.rebuild`), which add about two round trips per event.
  dashboard the `dashboard` RPC's work (figures + breakdown one level down) for the county,
            one township and one school, median of --runs; baseline in the same run: one
            count_documents of the county's active children (a single indexed query).

Printed: seconds, events/s, milliseconds per query, ratios against the baselines, and how
each figure grew between the sizes (children ×k → time ×?). The brief's county (30,000
children, 500,000 records) is extrapolated from the growth, not measured, unless asked for
with --sizes 30000:500000 (hours on this machine).
"""
import argparse
import os
import random
import statistics
import sys
import time
import uuid
from datetime import date, datetime, timedelta, timezone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "services"))

import pymongo  # noqa: E402

from carekit.events.catalogue import catalogue, load_contracts  # noqa: E402
from carekit.testing.local import NxServer  # noqa: E402
from reporting import projection, tables  # noqa: E402
from reporting import figures as fig  # noqa: E402
from reporting import storage as st  # noqa: E402
from reporting.scopes import resolve  # noqa: E402

CHINA = timezone(timedelta(hours=8))
START, END = date(2025, 9, 1), date(2026, 1, 20)
PERIOD = {"from": START.isoformat(), "to": END.isoformat(), "term": "2025-2026-1",
          "as_of": END.isoformat()}
KINDS = ("home_visit", "talk", "parent_call", "family_video_call", "study_guidance", "aid")


def county_events(n_children, n_records, rng):
    """[(name, version, data)] of a generated county, in publishing order."""
    out = [("CountyRegistered", 1, {"county_id": "c1", "version": 1, "code": "430124",
                                    "name": "宁乡县"})]
    schools = max(1, n_children // 100)
    towns = min(20, schools)
    for t in range(towns):
        out.append(("TownshipRegistered", 1, {"township_id": "t{}".format(t), "version": 1,
                                              "county_id": "c1", "code": "{:02d}".format(t),
                                              "name": "第{}镇".format(t)}))
    kids = []
    for s in range(schools):
        sid, tid = "s{}".format(s), "t{}".format(s % towns)
        out.append(("SchoolRegistered", 2, {
            "school_id": sid, "version": 1, "code": "{:04d}".format(s), "name": "第{}小学".format(s),
            "county_id": "c1", "township_id": tid, "township_name": "x", "enrolment": 600}))
        for c in range(6):
            out.append(("ClassCreated", 2, {
                "class_id": "{}-{}".format(sid, c), "version": 1, "school_id": sid,
                "township_id": tid, "grade": c + 1, "class_number": 1,
                "name": "{}年级1班".format(c + 1), "enrolment": 100}))
        for n in range(10):
            out.append(("StaffRegistered", 1, {
                "staff_id": "{}-st{}".format(sid, n), "version": 1, "school_id": sid,
                "township_id": tid, "name": "教师", "roles": ["teacher"], "active": True}))
    for k in range(n_children):
        s = k % schools
        sid, cid = "s{}".format(s), "s{}-{}".format(s, k % 6)
        kids.append((("k{}".format(k)), sid, cid))
        out.append(("ChildRegistered", 2, {
            "child_id": "k{}".format(k), "version": 1, "name": "儿童", "gender":
            rng.choice(("male", "female")), "birth_date": "2016-05-01", "school_id": sid,
            "class_id": cid, "township_id": "t{}".format(s % towns), "grade": k % 6 + 1,
            "class_number": 1, "left_behind_type": rng.choice(
                ("both_parents_away", "father_away", "mother_away")), "status": "active",
            "household_id": "h{}".format(k), "guardian_situation": rng.choice(
                ([], ["elderly"], ["sick"])), "registered_on": "2025-09-02"}))
        base = {"child_id": "k{}".format(k), "child_name": "x", "school_id": sid,
                "class_id": cid, "started_on": "2025-09-10"}
        if rng.random() < 0.5:
            out.append(("MentorAssigned", 1, dict(base, pairing_id="m{}".format(k),
                                                  teacher_id="{}-st{}".format(sid, k % 10),
                                                  reason="manual")))
        out.append(("BuddyPaired", 1, dict(base, pairing_id="b{}".format(k),
                                           buddy_name="同学")))
    for r in range(n_records):
        child, sid, cid = kids[rng.randrange(len(kids))]
        on = START + timedelta(days=rng.randint(0, 140))
        kind = rng.choice(KINDS)
        data = {"record_id": "r{}".format(r), "revision": 1, "child_id": child,
                "school_id": sid, "class_id": cid, "by_id": "t", "by_role": "mentor",
                "flagged": False, "kind": kind,
                "occurred_at": datetime.combine(on, datetime.min.time(),
                                                tzinfo=CHINA).isoformat()}
        out.append(("VisitLogged", 1, data))
        if kind == "aid":
            out.append(("AidDistributed", 1, {
                "aid_id": data["record_id"], "revision": 1, "child_id": child,
                "school_id": sid, "class_id": cid, "by_id": "t",
                "occurred_at": data["occurred_at"], "form": "money", "amount_fen": 20000,
                "donor_type": "society"}))
        if r % 5 == 0:
            out.append(("DiaryEntryAdded", 1, {
                "entry_id": "d{}".format(r), "child_id": child, "school_id": sid,
                "class_id": cid, "by_id": "t", "by_role": "mentor", "flagged": False,
                "entry_date": on.isoformat(), "topics": ["study"]}))
    for s in range(schools):
        for a in range(8):
            on = START + timedelta(days=a * 15)
            out.append(("ActivityHeld", 1, {
                "activity_id": "a{}-{}".format(s, a), "revision": 2, "school_id": "s{}".format(s),
                "kind": "theme_meeting", "title": "主题队会", "organiser_id": "t",
                "starts_at": datetime.combine(on, datetime.min.time(), tzinfo=CHINA).isoformat(),
                "held_on": on.isoformat(), "present": 60, "absent": 2, "excused": 0,
                "left_behind_present": 40}))
    return out


def rebuild(db, events):
    started = time.perf_counter()
    for n, (name, version, raw) in enumerate(events):
        projection.apply(db, "e{}".format(n), name, catalogue.load(name, version, raw))
    return time.perf_counter() - started


FLOOR_INSERTS = 5000


def write_floor(db, count):
    """Seconds `count` plain inserts take, from the rate of FLOOR_INSERTS of them."""
    collection = db["floor"]
    started = time.perf_counter()
    for n in range(min(count, FLOOR_INSERTS)):
        collection.insert_one({"_id": n, "school_id": "s1", "kind": "talk", "on": "2025-10-01"})
    return (time.perf_counter() - started) * count / min(count, FLOOR_INSERTS)


def median_ms(call, runs):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(client, n_children, n_records, runs, rng):
    db = client["bench_reporting_{}".format(uuid.uuid4().hex[:6])]
    for collection, indexes in st.INDEXES.items():
        db[collection].create_indexes(indexes)
    events = county_events(n_children, n_records, rng)
    seconds = rebuild(db, events)
    floor = write_floor(db, len(events))
    out = {"children": n_children, "records": n_records, "events": len(events),
           "rebuild_s": seconds, "floor_s": floor}

    def dashboard(kind, ident):
        scope = resolve(db, kind, ident)
        answer = fig.compute(db, scope, PERIOD)
        answer["breakdown"] = tables.breakdown(db, scope, PERIOD)
        return answer
    check = dashboard("county", "c1")
    assert check["children"]["total"] == n_children, check["children"]["total"]
    assert check["contacts"]["total"] == n_records
    for kind, ident in (("county", "c1"), ("township", "t0"), ("school", "s0")):
        out[kind + "_ms"] = median_ms(lambda: dashboard(kind, ident), runs)
    out["baseline_ms"] = median_ms(lambda: db[st.CHILDREN].count_documents(
        {"county_id": "c1", "status": "active"}) + db[st.CHILDREN].count_documents(
        {"school_id": {"$in": ["s{}".format(i) for i in range(n_children // 100)]},
         "status": "active"}), runs)
    client.drop_database(db.name)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="3000:50000,10000:150000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    load_contracts()
    sizes = [tuple(int(x) for x in s.split(":")) for s in args.sizes.split(",")]
    server = NxServer(prefix="care-bench-reporting-")
    uri = os.environ.get("MONGO_URI") or server.start()
    client = pymongo.MongoClient(uri, tz_aware=True)
    results = []
    try:
        for children, records in sizes:
            print("size {:,} children, {:,} care records ...".format(children, records),
                  flush=True)
            r = measure(client, children, records, args.runs, random.Random(7))
            results.append(r)
            print("  rebuild   {:,} events in {:.1f} s ({:.0f} events/s); baseline "
                  "{:,} plain inserts {:.1f} s; ratio {:.2f}".format(
                      r["events"], r["rebuild_s"], r["events"] / r["rebuild_s"], r["events"],
                      r["floor_s"], r["rebuild_s"] / r["floor_s"]))
            print("  dashboard county {:.0f} ms, township {:.0f} ms, school {:.0f} ms; "
                  "baseline (two counts) {:.1f} ms; county/baseline {:.0f}x".format(
                      r["county_ms"], r["township_ms"], r["school_ms"], r["baseline_ms"],
                      r["county_ms"] / r["baseline_ms"]), flush=True)
        if len(results) >= 2:
            a, b = results[0], results[-1]
            grow = b["records"] / a["records"]
            print("growth {:.1f}x records, {:.1f}x children:".format(
                grow, b["children"] / a["children"]))
            for key in ("rebuild_s", "county_ms", "township_ms", "school_ms"):
                print("  {:<12} x{:.2f}".format(key, b[key] / a[key]))
            # time ~ size ** k, k from the two sizes measured (the growth seen, not assumed)
            import math
            scale = 500000 / b["records"]
            parts = []
            for key, unit in (("rebuild_s", "s"), ("county_ms", "ms"), ("school_ms", "ms")):
                k = math.log(b[key] / a[key]) / math.log(grow) if b[key] > a[key] else 0.0
                parts.append("{} {:.0f} {} (k={:.2f})".format(key, b[key] * scale ** k, unit, k))
            print("extrapolated to 500,000 records / 30,000 children with the measured growth "
                  "(time ~ size^k): " + ", ".join(parts) + "; rebuild without broker and ledger")
    finally:
        client.close()
        server.stop()


if __name__ == "__main__":
    main()
