"""Plumbing for bench/event_throughput.py: infrastructure, round-trip counting, bench services.

Kept in its own module (imported as `_harness`) because the kit's relay finds subscriber
queues by importing SUBSCRIBER_MODULES: the services and the event schema must live in a
module that is imported once, not in the `__main__` script.
"""
import eventlet

eventlet.monkey_patch()  # noqa: E402  (no-op when the script already did it)

import os  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

from marshmallow import Schema, fields  # noqa: E402
from nameko.events import event_handler  # noqa: E402
from pymongo import monitoring  # noqa: E402

from carekit.events import event_schema  # noqa: E402
from carekit.events.handler import subscribe  # noqa: E402
from carekit.events.outbox import Outbox  # noqa: E402
from carekit.mongo import Database  # noqa: E402
from carekit.service import CareService  # noqa: E402
from carekit.testing.local import NxServer, RabbitAdmin, free_port  # noqa: E402,F401 (re-exported)

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
        self.runs = Counter()   # thing id -> handler runs (a duplicate run shows as 2)
        self.last_write = None  # time.time() right after the last business write returned

    def record(self, thing_id):
        now = time.time()
        with self.lock:
            self.count += 1
            self.runs[thing_id] += 1
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
        SINKS["kit"].record(event.data["thing_id"])


# -- (b) naive nameko: plain event_handler, no ledger, no outbox ----------------------------
class NaiveSink:
    name = "naivesink"
    db = Database()  # the same single-MongoClient provider, nothing else

    @event_handler(NAIVE_SOURCE, EVENT)
    def on_recorded(self, payload):
        business_write(self.db, payload["thing_id"], payload["label"], payload["n"],
                       datetime.fromisoformat(payload["time"]))
        SINKS["naive"].record(payload["thing_id"])


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
