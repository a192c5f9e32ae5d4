"""Plumbing for bench/event_throughput.py: infrastructure, round-trip counting, bench services.

Kept in its own module (imported as `_harness`) because the kit's relay finds subscriber
queues by importing SUBSCRIBER_MODULES: the services and the event schema must live in a
module that is imported once, not in the `__main__` script.
"""
import eventlet

eventlet.monkey_patch()  # noqa: E402  (no-op when the script already did it)

import base64  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.error  # noqa: E402
import urllib.parse  # noqa: E402
import urllib.request  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

import pymongo  # noqa: E402
from marshmallow import Schema, fields  # noqa: E402
from nameko.events import event_handler  # noqa: E402
from pymongo import monitoring  # noqa: E402

from carekit.events import event_schema  # noqa: E402
from carekit.events.handler import subscribe  # noqa: E402
from carekit.events.outbox import Outbox  # noqa: E402
from carekit.mongo import Database  # noqa: E402
from carekit.service import CareService  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SOURCE = "benchpub"         # kit publisher service name (its exchange: benchpub.events)
NAIVE_SOURCE = "naivepub"   # naive publisher name (exchange naivepub.events)
EVENT = "BenchRecorded"


# -- what the handlers did, seen in-process (completion detection; no database polling) ------
class Sink:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.count = 0
        self.last_write = None  # time.time() right after the last business write returned

    def record(self):
        now = time.time()
        with self.lock:
            self.count += 1
            self.last_write = now


SINKS = {"kit": Sink(), "naive": Sink()}


def business_write(db, thing_id, label, n, event_time):
    """The one business write both pipelines' handlers do: an upserted projection row."""
    db.things.update_one({"_id": thing_id},
                         {"$set": {"label": label, "n": n, "event_time": event_time,
                                   "handled_at": datetime.now(timezone.utc)}},
                         upsert=True)


# -- (a) the kit: outbox publisher + `subscribe` handler --------------------------------------
@event_schema(SOURCE, EVENT, version=1)
class BenchRecordedV1(Schema):
    """A benchmark command recorded a thing."""
    thing_id = fields.String(required=True)
    label = fields.String(required=True)
    n = fields.Integer(required=True)


class BenchSource(CareService):
    """Publisher: commands are driven in-process through this container's EventRecorder."""
    name = SOURCE
    outbox = Outbox(carriers=["things"])


class BenchSink(CareService):
    name = "benchsink"

    @subscribe(SOURCE, EVENT)
    def on_recorded(self, event):
        business_write(self.db, event.data["thing_id"], event.data["label"], event.data["n"],
                       event.time)
        SINKS["kit"].record()


# -- (b) naive nameko: plain event_handler, no ledger, no outbox ----------------------------
class NaiveSink:
    name = "naivesink"
    db = Database()  # the same single-MongoClient provider, nothing else

    @event_handler(NAIVE_SOURCE, EVENT)
    def on_recorded(self, payload):
        business_write(self.db, payload["thing_id"], payload["label"], payload["n"],
                       datetime.fromisoformat(payload["time"]))
        SINKS["naive"].record()


# -- MongoDB round trips ------------------------------------------------------------------------
_local = threading.local()  # green-local after monkey_patch


@contextmanager
def probe():
    """Commands issued inside are the benchmark's own look-ups: not counted."""
    _local.probe = True
    try:
        yield
    finally:
        _local.probe = False


WRITE_COMMANDS = ("insert", "update", "delete", "findAndModify")


class RoundTrips(monitoring.CommandListener):
    """Counts every command sent to MongoDB, by phase, database, command and collection, and
    the documents each write command wrote (from the server's reply: n, or for
    findAndModify lastErrorObject.n)."""

    def __init__(self):
        self.phase = None
        self.counts = defaultdict(Counter)   # phase -> Counter((db, command, collection))
        self.docs = defaultdict(Counter)     # phase -> Counter((db, command, collection))
        self._inflight = {}
        self.lock = threading.Lock()

    def started(self, event):
        phase = self.phase
        if phase is None or getattr(_local, "probe", False):
            return
        target = event.command.get(event.command_name)
        if event.command_name == "getMore":
            target = event.command.get("collection")
        if not isinstance(target, str):
            target = ""
        key = (event.database_name, event.command_name, target)
        with self.lock:
            self.counts[phase][key] += 1
            if event.command_name in WRITE_COMMANDS:
                self._inflight[(event.request_id, event.connection_id)] = (phase, key)

    def succeeded(self, event):
        if event.command_name not in WRITE_COMMANDS:
            return
        with self.lock:
            found = self._inflight.pop((event.request_id, event.connection_id), None)
        if found is None:
            return
        reply = event.reply or {}
        if event.command_name == "findAndModify":
            written = (reply.get("lastErrorObject") or {}).get("n", 0)
        else:
            written = reply.get("n", 0)
            if event.command_name == "update":
                written = max(written, len(reply.get("upserted") or []))
        with self.lock:
            self.docs[found[0]][found[1]] += int(written or 0)

    def failed(self, event):
        with self.lock:
            self._inflight.pop((event.request_id, event.connection_id), None)


# -- nx-27017 -----------------------------------------------------------------------------------
def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pings(uri):
    client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=500)
    try:
        with probe():
            client.admin.command("ping")
        return True
    except Exception:
        return False
    finally:
        client.close()


class NxServer:
    """An nx-27017 process of our own: free port, own data dir, pid file and log file."""

    def __init__(self, binary=None):
        self.binary = binary or os.environ.get("NX27017_BIN") or str(
            ROOT / ".venv-nx" / "bin" / "nx-27017")
        self.workdir = None
        self.process = None
        self.uri = None

    def start(self, timeout=30):
        if not Path(self.binary).exists():
            raise SystemExit("no MongoDB: set MONGO_URI or install nx-27017 in .venv-nx "
                             "(bash .ci/run does); looked for " + self.binary)
        self.workdir = tempfile.mkdtemp(prefix="care-bench-nx-")
        port = free_port()
        self.process = subprocess.Popen(
            [self.binary, "--host", "127.0.0.1", "-p", str(port), "--data-dir", self.workdir,
             "--pid-file", os.path.join(self.workdir, "nx.pid"),
             "--log-file", os.path.join(self.workdir, "nx.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.workdir,
            start_new_session=True)  # Ctrl-C reaches us only; we stop it ourselves
        self.uri = "mongodb://127.0.0.1:{}/".format(port)
        deadline = time.monotonic() + timeout
        while not pings(self.uri):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("nx-27017 did not start (see {}/nx.log)".format(self.workdir))
            eventlet.sleep(0.1)
        return self.uri

    @property
    def pid(self):
        return self.process.pid if self.process else None

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


# -- RabbitMQ vhost through the management API ------------------------------------------------------
class RabbitAdmin:
    def __init__(self, amqp_uri):
        parsed = urllib.parse.urlparse(amqp_uri)
        self.user = urllib.parse.unquote(parsed.username or "guest")
        self.password = urllib.parse.unquote(parsed.password or "guest")
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 5672
        self.api = os.environ.get("RABBIT_MGMT_URI", "http://{}:15672/api".format(self.host))

    def _call(self, method, path, body=None):
        request = urllib.request.Request(
            self.api + path, method=method,
            data=json.dumps(body).encode() if body is not None else None)
        token = base64.b64encode("{}:{}".format(self.user, self.password).encode()).decode()
        request.add_header("Authorization", "Basic " + token)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
            return json.loads(text) if text else None

    def create_vhost(self, vhost):
        quoted = urllib.parse.quote(vhost, safe="")
        self._call("PUT", "/vhosts/" + quoted, {})
        self._call("PUT", "/permissions/{}/{}".format(quoted, urllib.parse.quote(self.user)),
                   {"configure": ".*", "write": ".*", "read": ".*"})

    def delete_vhost(self, vhost):
        try:
            self._call("DELETE", "/vhosts/" + urllib.parse.quote(vhost, safe=""))
        except urllib.error.HTTPError as exc:
            if exc.code != 404:
                raise

    def uri(self, vhost):
        return "amqp://{}:{}@{}:{}/{}".format(
            urllib.parse.quote(self.user), urllib.parse.quote(self.password), self.host,
            self.port, urllib.parse.quote(vhost, safe=""))


# -- CPU seconds per process (where the time goes) -------------------------------------------------
_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """utime+stime of a process from /proc, or None."""
    try:
        with open("/proc/{}/stat".format(pid)) as f:
            parts = f.read().rsplit(")", 1)[1].split()
        return (int(parts[11]) + int(parts[12])) / _TICK
    except (OSError, IndexError, ValueError):
        return None


def find_pids(comm):
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/{}/comm".format(entry)) as f:
                    if f.read().strip() == comm:
                        pids.append(int(entry))
            except OSError:
                pass
    return pids


class CpuMeter:
    """CPU seconds used by this process, the MongoDB stand-in and the broker over a phase."""

    def __init__(self, nx_pid=None):
        self.pids = {"bench process (all containers)": os.getpid()}
        if nx_pid:
            self.pids["nx-27017"] = nx_pid
        for pid in find_pids("beam.smp"):
            self.pids["rabbitmq (beam.smp, shared)"] = pid
        self._start = None

    def start(self):
        self._start = (time.monotonic(), {k: cpu_seconds(p) for k, p in self.pids.items()})

    def stop(self):
        t0, before = self._start
        wall = time.monotonic() - t0
        used = {}
        for key, pid in self.pids.items():
            now = cpu_seconds(pid)
            if now is not None and before.get(key) is not None:
                used[key] = now - before[key]
        return wall, used
