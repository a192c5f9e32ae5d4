"""Web UI list page benchmark: the children list of a school of 2,000 children, the page
(`/school/children`, HTML) against the JSON API for the same list (`/api/children`) as the
baseline, in the same run, as the school admin.

    .venv/bin/python bench/webui_list.py [--children 2000] [--repeat 30]

Its own infrastructure (an nx-27017 server on a free port, or MONGO_URI; a fresh RabbitMQ
vhost on AMQP_URI, default the local broker), every service and the gateway in this process
(nameko containers), one school with 48 classes and the roster imported in one go. Times are
measured on 127.0.0.1 (so they are the server's time plus a loopback round trip): the first
request (cold caches) and p50 / p95 of the next ones, for a page of 100 and of 200 children,
and for the school's home page (which counts every child, page after page of the API).
Prints the figures and the page / API ratios; asserts nothing.
"""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E402

import argparse  # noqa: E402
import base64  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services"))
sys.path.insert(0, str(ROOT))

from carekit import logs  # noqa: E402
from carekit.testing.local import NxServer, RabbitAdmin  # noqa: E402
from registry.sample_roster import RosterMaker, to_xlsx  # noqa: E402
from tests.gateway.support import PASSWORD, World  # noqa: E402

GRADES, CLASSES_PER_GRADE = 6, 8


def build(world, children):
    r = world.rpc.registry
    county = r.create_county({"code": "430124", "name": "宁乡县"})
    township = r.create_township({"county_id": county["id"], "code": "01", "name": "花明楼镇"})
    school = r.register_school({"township_id": township["id"], "code": "HML-01",
                                "name": "花明楼镇中心小学"})
    classes = [(g, n) for g in range(1, GRADES + 1) for n in range(1, CLASSES_PER_GRADE + 1)]
    for grade, number in classes:
        r.create_class({"school_id": school["id"], "grade": grade, "number": number})
    content = to_xlsx(RosterMaker(seed=7).rows(children, classes))
    result = r.import_roster({"school_id": school["id"], "filename": "花名册.xlsx",
                              "mode": "all_or_nothing",
                              "content_base64": base64.b64encode(content).decode("ascii")})
    world.ids["county"] = county["id"]
    world.account("school.admin", "school_admin", township_id=township["id"],
                  school_id=school["id"])
    return school, result


def settle(world, children, timeout=600):
    """Wait until the services have taken in the import's events (activities and pairing
    know every child): measured on a quiet system, not during the import's aftermath."""
    started = time.perf_counter()
    dbs = [world.mongo[world.configs[s]["MONGO_DATABASE"]] for s in ("activities", "pairing")]
    while time.perf_counter() - started < timeout:
        counts = [db.children.count_documents({}) for db in dbs]
        if all(c >= children for c in counts):
            print("services settled after {:.0f} s".format(time.perf_counter() - started))
            return
        time.sleep(2)
    print("services not settled after {} s: {}".format(timeout, counts))


def timed(client, path, repeat):
    """(first request ms, [next requests ms]); every answer must be 200."""
    times = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    return times[0], times[1:]


def describe(first, rest):
    rest = sorted(rest)
    p95 = rest[min(len(rest) - 1, int(len(rest) * 0.95))]
    return "first {:7.1f} ms   p50 {:7.1f} ms   p95 {:7.1f} ms".format(
        first, statistics.median(rest), p95), statistics.median(rest)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args(argv)
    logs.configure("WARNING")
    nx = None
    mongo_uri = os.environ.get("MONGO_URI")
    if not mongo_uri:
        nx = NxServer()
        mongo_uri = nx.start()
    admin = RabbitAdmin(os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672//"))
    vhost = "care-bench-webui-{}".format(uuid.uuid4().hex[:8])
    admin.create_vhost(vhost)
    world = World(admin.uri(vhost), mongo_uri)
    try:
        school, result = build(world, args.children)
        print("school of {} children ({} rows imported, {} classes)".format(
            result.get("created"), result.get("rows"), GRADES * CLASSES_PER_GRADE))
        settle(world, args.children)
        client = world.client("school.admin", PASSWORD)
        sid = school["id"]
        print("{:<44} {}".format("", "(loopback round trips, {} repeats)".format(args.repeat)))
        for limit in (100, 200):
            api = "/api/children?school_id={}&limit={}".format(sid, limit)
            page = "/school/children?school_id={}&limit={}".format(sid, limit)
            api_text, api_p50 = describe(*timed(client, api, args.repeat))
            page_text, page_p50 = describe(*timed(client, page, args.repeat))
            print("{:<44} {}".format("JSON API  /api/children  limit={}".format(limit), api_text))
            print("{:<44} {}".format("page      /school/children  limit={}".format(limit),
                                     page_text))
            print("{:<44} {:.2f}".format("  page / API (p50)", page_p50 / api_p50))
        home_text, _ = describe(*timed(client, "/school?school_id={}".format(sid), args.repeat))
        print("{:<44} {}".format("page      /school (counts all children)", home_text))
    finally:
        world.stop()
        admin.delete_vhost(vhost)
        if nx:
            nx.stop()


if __name__ == "__main__":
    main()
