"""Gateway load benchmark: simulated users doing a teacher's and an admin's day.

    .venv/bin/python bench/gateway_load.py [--users 200] [--peak-seconds 60]
                                           [--saturation-seconds 30]

One run, its own infrastructure (an nx-27017 server on a free port, or MONGO_URI; a fresh
RabbitMQ vhost on AMQP_URI, default the local broker), every service and the gateway as
their own processes (python -m carekit.run), the demo county loaded through them; all
removed on exit. Traffic goes to 127.0.0.1 only, bounded in count and time.

Users: 3 in 4 are teachers (home list, a mentee's timeline, log a contact, over and over),
1 in 4 school admins (children list of the school, coverage). Each phase, the users arrive
and log in over 20 s (login p50/p99 from the first phase), then their day is measured.
 (a) county peak: --users users, each pausing 1 s between requests, for --peak-seconds:
     p50 / p99 per route (goal: p99 under 300 ms for every route);
 (b) saturation: --users users without pauses, for --saturation-seconds: requests/s through
     the gateway, and the same for a bare nameko HTTP endpoint that makes one RPC
     (registry.get_child) and returns, run in this same run with the same users: the ratio
     (goal >= 0.5).
Prints the figures; asserts nothing.
"""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E402

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections import defaultdict  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services"))

from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from carekit.config import load_settings  # noqa: E402
from carekit.mongo import open_database  # noqa: E402
from carekit.testing.local import NxServer, RabbitAdmin, free_port  # noqa: E402
from gateway.accounts import AccountStore  # noqa: E402
from gateway.demo.steps import Demo, load  # noqa: E402

SERVICES = ("registry", "pairing", "activities", "notifications", "reporting", "gateway")
PASSWORD = "Bench-load-2026"

BASELINE = '''
import eventlet; eventlet.monkey_patch()
import json, sys
from nameko.rpc import RpcProxy
from nameko.runners import ServiceRunner
from nameko.web.handlers import http

class Bare:
    """One RPC per request, nothing else: the floor for an HTTP door on nameko."""
    name = "bare"
    registry = RpcProxy("registry")

    @http("GET", "/child/<child_id>")
    def child(self, request, child_id):
        return json.dumps(self.registry.get_child(child_id), ensure_ascii=False)

runner = ServiceRunner({"AMQP_URI": sys.argv[1], "WEB_SERVER_ADDRESS": "127.0.0.1:" + sys.argv[2],
                        "max_workers": int(sys.argv[3])})
runner.add_service(Bare)
runner.start()
runner.wait()
'''


# -- HTTP, light enough not to be the bottleneck ---------------------------------------------------
class User:
    def __init__(self, port):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = self.csrf = None

    def request(self, method, path, body=None):
        headers = {}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if self.csrf and method != "GET":
            headers["X-CSRF-Token"] = self.csrf
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):  # a kept-alive connection the server closed: once more
            try:
                self.connection.request(method, path, body=data, headers=headers)
                response = self.connection.getresponse()
                payload = response.read()
                return response.status, payload, response
            except (http.client.HTTPException, OSError):
                self.connection.close()
                if attempt == 2:
                    raise

    def login(self, username):
        status, payload, response = self.request("POST", "/api/session",
                                                 {"username": username, "password": PASSWORD})
        if status != 200:
            raise RuntimeError("login {} -> {} {}".format(username, status, payload[:200]))
        self.cookie = response.getheader("Set-Cookie").split(";")[0]
        self.csrf = json.loads(payload)["csrf_token"]


class Recorder:
    def __init__(self):
        self.times = defaultdict(list)
        self.errors = defaultdict(int)

    def timed(self, route, user, method, path, body=None):
        started = time.perf_counter()
        try:
            status, payload, _ = user.request(method, path, body)
        except Exception:  # a dropped connection is a failed request, not a crash
            status, payload = 599, b""
        self.times[route].append(time.perf_counter() - started)
        if status >= 400:
            self.errors[(route, status)] += 1
        return status, payload


def arrive(port, username, recorder, start_at, ramp):
    """A user comes some time within the ramp, logs in, and waits for the measured window."""
    import random
    eventlet.sleep(random.random() * ramp)
    user = User(port)
    started = time.perf_counter()
    user.login(username)
    recorder.times["login"].append(time.perf_counter() - started)
    eventlet.sleep(max(0, start_at - time.monotonic()))
    return user


def teacher_day(port, username, recorder, start_at, stop_at, pause, ramp):
    user = arrive(port, username, recorder, start_at, ramp)
    while time.monotonic() < stop_at:
        status, payload = recorder.timed("home list", user, "GET", "/api/me/children")
        eventlet.sleep(pause)
        children = json.loads(payload)["items"] if status == 200 else []
        mentees = [c for c in children if "mentee" in c["relations"]] or children
        if not mentees or time.monotonic() >= stop_at:
            continue
        child = mentees[int(time.monotonic() * 1000) % len(mentees)]["id"]
        recorder.timed("child timeline", user, "GET",
                       "/api/children/{}/timeline?limit=20".format(child))
        eventlet.sleep(pause)
        if time.monotonic() >= stop_at:
            break
        recorder.timed("log a contact", user, "POST",
                       "/api/children/{}/care-records".format(child),
                       {"kind": "talk", "notes": "课间谈心", "wellbeing": 4,
                        "occurred_at": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        eventlet.sleep(pause)


def admin_day(port, username, school_id, recorder, start_at, stop_at, pause, ramp):
    user = arrive(port, username, recorder, start_at, ramp)
    while time.monotonic() < stop_at:
        recorder.timed("children list", user, "GET",
                       "/api/children?school_id={}&limit=50".format(school_id))
        eventlet.sleep(pause)
        recorder.timed("coverage", user, "GET", "/api/schools/{}/coverage".format(school_id))
        eventlet.sleep(pause)


def bare_day(port, child_ids, recorder, stop_at):
    user = User(port)
    n = 0
    while time.monotonic() < stop_at:
        n += 1
        recorder.timed("bare", user, "GET", "/child/" + child_ids[n % len(child_ids)])


# -- the system ----------------------------------------------------------------------------------
class System:
    def __init__(self, amqp_uri, mongo_uri, workdir):
        self.amqp_uri, self.mongo_uri, self.workdir = amqp_uri, mongo_uri, workdir
        self.run_id = uuid.uuid4().hex[:8]
        self.port = free_port()
        self.processes = []

    def env(self, service):
        return dict(os.environ, PYTHONPATH=str(ROOT / "services"), AMQP_URI=self.amqp_uri,
                    MONGO_URI=self.mongo_uri, CARE_ENV="development", LOG_LEVEL="WARNING",
                    MONGO_DATABASE="bench{}_{}".format(self.run_id, service),
                    GATEWAY_PORT=str(self.port), GATEWAY_COOKIE_SECURE="false",
                    GATEWAY_LOGIN_IP_MAX_FAILURES="10000")

    def start(self):
        subprocess.run([sys.executable, "-m", "carekit.events.topology"], check=True,
                       env=self.env("topology"), stdout=subprocess.DEVNULL)
        for service in SERVICES:
            log = open(os.path.join(self.workdir, service + ".log"), "w")
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "carekit.run", service], env=self.env(service),
                stdout=log, stderr=subprocess.STDOUT))
        subprocess.run([sys.executable, "-m", "carekit.waitup",
                        "http://127.0.0.1:{}/health".format(self.port), "90"], check=True,
                       env=self.env("gateway"), stdout=subprocess.DEVNULL)

    def start_baseline(self, workers):
        port = free_port()
        log = open(os.path.join(self.workdir, "bare.log"), "w")
        self.processes.append(subprocess.Popen(
            [sys.executable, "-c", BASELINE, self.amqp_uri, str(port), str(workers)],
            env=self.env("bare"), stdout=log, stderr=subprocess.STDOUT))
        return port

    def stop(self):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        client, _ = open_database({"MONGO_URI": self.mongo_uri, "MONGO_DATABASE": "x"})
        for service in SERVICES:
            client.drop_database("bench{}_{}".format(self.run_id, service))
        client.close()


def prepare(system, teachers_wanted):
    """The demo county, and accounts: a teacher login per mentor, a school admin per school."""
    config = load_settings("gateway", system.env("gateway"))
    client, db = open_database(config)
    store = AccountStore(db)
    with ClusterRpcProxy(config, context_data={"user_id": "bench"}, timeout=120) as rpc:
        demo = Demo(rpc, None, log=lambda line: None)
        load(demo)
        teachers, admins, child_ids = [], [], []
        for school in demo.schools.values():
            child_ids += [c["id"] for c in school.children]
            username = "admin.{}".format(school.spec.code.lower())
            store.create({"username": username, "display_name": "校长", "role": "school_admin",
                          "county_id": demo.county["id"], "township_id": school.township_id,
                          "school_id": school.id, "person_type": "staff",
                          "person_id": school.principal["id"]}, PASSWORD, "bench")
            admins.append((username, school.id))
            mentors = sorted({p["partner_id"] for p in rpc.pairing.pairings(
                {"school_id": school.id, "kind": "mentor", "limit": 500})["items"]}
                - {school.principal["id"]})
            for n, staff_id in enumerate(mentors):
                username = "t.{}.{}".format(school.spec.code.lower(), n)
                store.create({"username": username, "display_name": "教师", "role": "teacher",
                              "county_id": demo.county["id"], "township_id": school.township_id,
                              "school_id": school.id, "person_type": "staff",
                              "person_id": staff_id}, PASSWORD, "bench")
                teachers.append(username)
    client.close()
    return teachers[:teachers_wanted], admins, child_ids


def run_users(port, users, teachers, admins, seconds, pause, ramp=20):
    """Users arrive and log in over `ramp` seconds; then `seconds` of their day, measured.
    Returns the recorder of the measured window and the logins."""
    recorder = Recorder()
    start_at = time.monotonic() + ramp + 2
    stop_at = start_at + seconds
    pool = eventlet.GreenPool(users)
    teacher_count = users * 3 // 4
    for n in range(users):
        if n < teacher_count:
            pool.spawn(teacher_day, port, teachers[n % len(teachers)], recorder, start_at,
                       stop_at, pause, ramp)
        else:
            username, school_id = admins[n % len(admins)]
            pool.spawn(admin_day, port, username, school_id, recorder, start_at, stop_at,
                       pause, ramp)
    pool.waitall()
    return recorder


def rpc_waits(port):
    """From the gateway's own metrics: RPC calls and their mean wait, per service."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/metrics")
    text = connection.getresponse().read().decode()
    sums, counts = {}, {}
    for line in text.splitlines():
        for suffix, into in (("_sum", sums), ("_count", counts)):
            prefix = "care_gateway_rpc_seconds" + suffix + '{service="'
            if line.startswith(prefix):
                service = line[len(prefix):].split('"')[0]
                into[service] = float(line.rsplit(" ", 1)[1])
    for service in sorted(counts):
        if counts[service]:
            print("  RPC to {:<12} {:>7.0f} calls, mean wait {:>6.1f} ms".format(
                service, counts[service], sums[service] / counts[service] * 1000))


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


def report_latency(recorder):
    print("  {:<16} {:>8} {:>9} {:>9}   errors".format("route", "requests", "p50 ms", "p99 ms"))
    worst = 0
    for route, times in sorted(recorder.times.items()):
        errors = sum(n for (r, _), n in recorder.errors.items() if r == route)
        p99 = percentile(times, 99)
        worst = max(worst, p99) if route != "login" else worst
        print("  {:<16} {:>8} {:>9.1f} {:>9.1f}   {}".format(route, len(times),
                                                              percentile(times, 50), p99, errors))
    return worst


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--peak-seconds", type=float, default=60)
    parser.add_argument("--saturation-seconds", type=float, default=30)
    args = parser.parse_args()
    amqp = os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672//")
    admin = RabbitAdmin(amqp)
    vhost = "care-bench-gw-{}".format(uuid.uuid4().hex[:8])
    admin.create_vhost(vhost)
    nx = None
    mongo_uri = os.environ.get("MONGO_URI")
    if not mongo_uri:
        nx = NxServer(prefix="care-bench-gw-")
        mongo_uri = nx.start()
    import tempfile
    system = System(admin.uri(vhost), mongo_uri, tempfile.mkdtemp(prefix="care-bench-gw-"))
    try:
        system.start()
        print("loading the demo county ...", flush=True)
        teachers, admins, child_ids = prepare(system, args.users)
        print("  {} teacher logins, {} school admins, {} children".format(
            len(teachers), len(admins), len(child_ids)))

        print("\n(a) county peak: {} users, 1 s pause, {:.0f} s".format(args.users,
                                                                      args.peak_seconds))
        peak = run_users(system.port, args.users, teachers, admins, args.peak_seconds, 1.0)
        worst = report_latency(peak)
        print("  worst p99 (routes other than login): {:.0f} ms (goal < 300 ms)".format(worst))
        rpc_waits(system.port)

        print("\n(b) saturation: {} users, no pause, {:.0f} s".format(args.users,
                                                                     args.saturation_seconds))
        saturated = run_users(system.port, args.users, teachers, admins,
                              args.saturation_seconds, 0)
        served = sum(len(t) for r, t in saturated.times.items() if r != "login")
        rpc_waits(system.port)
        gateway_rate = served / args.saturation_seconds
        report_latency(saturated)
        bare_port = system.start_baseline(load_settings("gateway", system.env("gateway"))[
            "max_workers"])
        subprocess.run([sys.executable, "-m", "carekit.waitup",
                        "http://127.0.0.1:{}/child/{}".format(bare_port, child_ids[0]), "60"],
                       check=True, env=system.env("bare"), stdout=subprocess.DEVNULL)
        bare = Recorder()
        stop_at = time.monotonic() + args.saturation_seconds  # its users need no login
        pool = eventlet.GreenPool(args.users)
        for _ in range(args.users):
            pool.spawn(bare_day, bare_port, child_ids, bare, stop_at)
        pool.waitall()
        bare_rate = len(bare.times["bare"]) / args.saturation_seconds
        report_latency(bare)
        print("\n  gateway {:.0f} requests/s, bare nameko HTTP + one RPC {:.0f} requests/s: "
              "ratio {:.2f} (goal >= 0.5)".format(gateway_rate, bare_rate,
                                                   gateway_rate / bare_rate))
    finally:
        system.stop()
        admin.delete_vhost(vhost)
        if nx:
            nx.stop()


if __name__ == "__main__":
    main()
