"""Event throughput: the kit's outbox pipeline against a naive nameko pipeline and raw kombu.

    .venv/bin/python bench/event_throughput.py [--events 2000] [--concurrency 10]

One run pushes N events through each of
 (a) kit:   command (EventRecorder.insert: state change + event, one write, in-process against
            the publisher container's database) -> OutboxRelay in a nameko ServiceContainer
            (batch publish with confirms) -> broker -> `subscribe` handler (ledger claim/done)
            -> business write to MongoDB;
 (b) naive: the same command insert, then nameko's standalone event_dispatcher (per-message
            confirms) -> plain nameko event_handler -> the same business write;
 (c) raw:   kombu publish with per-message confirms, persistent, -> consume + ack; no database;
and, to read the others against, (d) the MongoDB server's small-write rate from one client;
 (e) kit with replicas: (a) with three publisher containers (three relays; commands spread
            over them) and three competing subscriber containers; checks every effect happened
            exactly once (handler runs per event, not a deduplicated counter).
Commands are driven in-process by --concurrency greenthreads (as many RPC workers would), not
over RPC, whose own round trips would dominate the figures.

Infrastructure is its own: an nx-27017 server on a free port (or MONGO_URI, with databases of
its own, dropped afterwards) and a fresh RabbitMQ vhost on AMQP_URI (default the local broker,
created and deleted through the management API). Everything is stopped and removed on exit,
Ctrl-C and SIGTERM included. Prints figures; asserts nothing.
"""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E402  (first: sockets, threads and time must be green)

import argparse  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections import Counter, defaultdict  # noqa: E402
from datetime import datetime, timezone  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pymongo import monitoring  # noqa: E402

import _harness as H  # noqa: E402

ROUND_TRIPS = H.RoundTrips()
monitoring.register(ROUND_TRIPS)  # before any MongoClient exists, the containers' included

import pymongo  # noqa: E402
from kombu import Connection, Exchange, Queue  # noqa: E402
from nameko.containers import ServiceContainer  # noqa: E402
from nameko.standalone.events import event_dispatcher  # noqa: E402

from carekit import logs  # noqa: E402
from carekit.config import load_settings  # noqa: E402
from carekit.events.envelope import encode, new_envelope  # noqa: E402
from carekit.events.ledger import PROCESSED_EVENTS  # noqa: E402
from carekit.events.outbox import EventRecorder, Outbox  # noqa: E402
from carekit.events.records import EVENT_LOG  # noqa: E402
from carekit.mongo import open_database  # noqa: E402

DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672//"
LABEL = "书包 school bag"


class Incomplete(Exception):
    pass


# -- cleanup that survives Ctrl-C -------------------------------------------------------------------
class Cleanup:
    def __init__(self):
        self._steps = []

    def push(self, label, fn):
        self._steps.append((label, fn))
        return fn

    def pop(self, fn):
        """Run one registered step now (and forget it)."""
        for i, (label, step) in enumerate(self._steps):
            if step is fn:
                del self._steps[i]
                step()
                return

    def run(self):
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not
        try:                                                     # leave things half done
            while self._steps:
                label, step = self._steps.pop()
                try:
                    step()
                except BaseException as exc:  # keep cleaning
                    print("cleanup: {} failed: {!r}".format(label, exc), file=sys.stderr)
        finally:
            signal.signal(signal.SIGINT, previous)


def _terminate(signum, frame):
    raise KeyboardInterrupt("signal {}".format(signum))


def start_container(cleanup, cls, config):
    container = ServiceContainer(cls, config)
    container.start()

    def stop():
        try:
            with eventlet.Timeout(20):
                container.stop()
        except eventlet.Timeout:
            container.kill()
    cleanup.push("stop {}".format(cls.name), stop)
    return container, stop


# -- small helpers ----------------------------------------------------------------------------------
def drive(command, count, concurrency):
    """Run command(i) for i in range(count) on `concurrency` greenthreads."""
    numbers = iter(range(count))

    def worker():
        for i in numbers:
            command(i)
    run_all([worker] * min(concurrency, max(count, 1)))


def run_all(functions):
    """Run each function on its own greenthread; on any error or Ctrl-C, kill the others."""
    threads = [eventlet.spawn(fn) for fn in functions]
    try:
        for thread in threads:
            thread.wait()
    except BaseException:
        for thread in threads:
            thread.kill()
        raise


def wait_until(predicate, timeout, what, interval=0.02):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise Incomplete("timed out after {:.0f}s waiting for {}".format(timeout, what))
        eventlet.sleep(interval)


def probed_count(collection, query):
    with H.probe():
        try:
            return collection.count_documents(query)
        except pymongo.errors.OperationFailure:  # the stand-in: "no such table" once
            return 0


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def latencies_ms(database, prefix):
    with H.probe():
        docs = list(database.things.find({"_id": {"$regex": "^" + prefix + "-"}},
                                         {"event_time": 1, "handled_at": 1}))
    return [(d["handled_at"] - d["event_time"]).total_seconds() * 1000.0 for d in docs
            if d.get("handled_at") and d.get("event_time")]


class Result:
    def __init__(self, name):
        self.name = name
        self.events = 0
        self.seconds = None
        self.command_seconds = None
        self.latencies = []
        self.round_trips = Counter()
        self.docs_written = Counter()
        self.db_roles = {}
        self.cpu = {}
        self.window = None
        self.batches = []
        self.note = None
        self.paced = None

    @property
    def rate(self):
        return self.events / self.seconds if self.seconds else float("nan")


def measure_round_trips(phase, result):
    result.round_trips = ROUND_TRIPS.counts.pop(phase, Counter())
    result.docs_written = ROUND_TRIPS.docs.pop(phase, Counter())


# -- (a) the kit, and (e) the kit with replicas -------------------------------------------------
def run_kit(args, infra, cleanup, replicas=1, name="kit"):
    """`replicas` publisher containers (each with its relay; commands spread over them) and
    as many competing subscriber containers, all on one database each side."""
    result = Result(name)
    pub_cfg = infra.config("registry", name + "pub", SUBSCRIBER_MODULES=H.__name__)
    sink_cfg = infra.config("pairing", name + "sink")
    result.db_roles = {pub_cfg["MONGO_DATABASE"]: "publisher", sink_cfg["MONGO_DATABASE"]: "subscriber"}
    stops, runners = [], []
    for _ in range(replicas):
        stops.append(start_container(cleanup, H.BenchSink, sink_cfg)[1])
        source, stop_source = start_container(cleanup, H.BenchSource, pub_cfg)
        stops.append(stop_source)
        runner = next(d for d in source.dependencies if isinstance(d, Outbox)).relay_runner
        wait_until(lambda: runner.relay is not None, 10, "the relay to start")
        runners.append(runner)

    batches = []
    for runner in runners:
        original_publish = runner.relay._publish

        def publish(envelopes, original_publish=original_publish):
            if envelopes:  # observe batch sizes; the relay itself is untouched
                batches.append(len(envelopes))
            return original_publish(envelopes)
        runner.relay._publish = publish

    watch = infra.probe_client[pub_cfg["MONGO_DATABASE"]]
    watch_sink = infra.probe_client[sink_cfg["MONGO_DATABASE"]]

    def command_for(prefix):
        def command(i):
            thing_id = "{}-{}".format(prefix, i)
            runner = runners[i % len(runners)]  # as the broker spreads RPC calls
            recorder = EventRecorder(H.SOURCE, runner.database, str(uuid.uuid4()),
                                     notify=runner.notify)
            event = recorder.event(H.EVENT, {"thing_id": thing_id, "label": LABEL, "n": i},
                                   subject=thing_id)
            recorder.insert("things", {"_id": thing_id, "label": LABEL, "n": i,
                                       "created_at": datetime.now(timezone.utc)}, [event])
        return command

    def settled(total):
        return (probed_count(watch[EVENT_LOG], {"status": "sent"}) >= total
                and probed_count(watch_sink[PROCESSED_EVENTS], {"status": "done"}) >= total)

    timeout = max(60.0, args.events / 20.0)
    if args.warmup:
        drive(command_for("warm"), args.warmup, args.concurrency)
        wait_until(lambda: settled(args.warmup), timeout, "kit warm-up")
    H.SINKS["kit"].reset()
    del batches[:]

    infra.cpu.start()
    ROUND_TRIPS.phase = "kit"
    t0 = time.time()
    drive(command_for("a"), args.events, args.concurrency)
    result.command_seconds = time.time() - t0
    try:
        wait_until(lambda: len(H.SINKS["kit"].runs) >= args.events, timeout, "kit handlers")
        result.events = args.events
        result.seconds = H.SINKS["kit"].last_write - t0
        # the relay logs and the ledger marks done after the business write: count them
        wait_until(lambda: settled(args.warmup + args.events), 30, "kit to settle", 0.1)
    except Incomplete as exc:
        result.note = str(exc)
        result.events = H.SINKS["kit"].count
        result.seconds = (H.SINKS["kit"].last_write or time.time()) - t0
    ROUND_TRIPS.phase = None
    result.window, result.cpu = infra.cpu.stop()
    measure_round_trips("kit", result)
    result.batches = list(batches)
    result.latencies = latencies_ms(watch_sink, "a")
    result.runs = Counter(H.SINKS["kit"].runs)

    # The same pipeline at a modest fixed rate: latency without a backlog, and what the
    # per-batch costs come to when batches are small.
    if args.paced_events and not result.note and replicas == 1:
        paced = result.paced = Result("kit-paced")
        paced.db_roles = result.db_roles
        del batches[:]
        H.SINKS["kit"].reset()
        done_before = args.warmup + args.events
        command = command_for("p")
        ROUND_TRIPS.phase = "kit-paced"
        t0 = time.time()
        interval = 1.0 / args.paced_rate
        threads = []
        try:
            for i in range(args.paced_events):
                eventlet.sleep(max(0.0, t0 + i * interval - time.time()))
                threads.append(eventlet.spawn(command, i))
            for thread in threads:
                thread.wait()
            wait_until(lambda: H.SINKS["kit"].count >= args.paced_events, timeout,
                       "paced kit handlers")
            wait_until(lambda: settled(done_before + args.paced_events), 30,
                       "paced kit to settle", 0.1)
            paced.events = args.paced_events
        except Incomplete as exc:
            paced.note = str(exc)
            paced.events = H.SINKS["kit"].count
        except BaseException:
            for thread in threads:
                thread.kill()
            raise
        paced.seconds = (H.SINKS["kit"].last_write or time.time()) - t0
        ROUND_TRIPS.phase = None
        measure_round_trips("kit-paced", paced)
        paced.batches = list(batches)
        paced.latencies = latencies_ms(watch_sink, "p")
    for stop in stops:
        cleanup.pop(stop)
    return result


# -- (b) naive nameko -------------------------------------------------------------------------------
def run_naive(args, infra, cleanup):
    result = Result("naive")
    pub_cfg = infra.config("registry", "naivepub")
    sink_cfg = infra.config("pairing", "naivesink")
    result.db_roles = {pub_cfg["MONGO_DATABASE"]: "publisher", sink_cfg["MONGO_DATABASE"]: "subscriber"}
    sink, stop_sink = start_container(cleanup, H.NaiveSink, sink_cfg)  # declares its queue
    client, database = open_database(pub_cfg)
    cleanup.push("close naive publisher client", client.close)
    dispatch = event_dispatcher(pub_cfg)
    watch_sink = infra.probe_client[sink_cfg["MONGO_DATABASE"]]

    def command_for(prefix):
        def command(i):
            thing_id = "{}-{}".format(prefix, i)
            now = datetime.now(timezone.utc)
            database.things.insert_one({"_id": thing_id, "label": LABEL, "n": i,
                                        "created_at": now})
            dispatch(H.NAIVE_SOURCE, H.EVENT, {"thing_id": thing_id, "label": LABEL, "n": i,
                                               "time": now.isoformat(timespec="milliseconds")})
        return command

    timeout = max(60.0, args.events / 20.0)
    if args.warmup:
        drive(command_for("warm"), args.warmup, args.concurrency)
        wait_until(lambda: H.SINKS["naive"].count >= args.warmup, timeout, "naive warm-up")
    H.SINKS["naive"].reset()

    infra.cpu.start()
    ROUND_TRIPS.phase = "naive"
    t0 = time.time()
    drive(command_for("b"), args.events, args.concurrency)
    result.command_seconds = time.time() - t0
    try:
        wait_until(lambda: H.SINKS["naive"].count >= args.events, timeout, "naive handlers")
        result.events = args.events
        result.seconds = H.SINKS["naive"].last_write - t0
        eventlet.sleep(0.2)  # let the last workers return (nothing more is written)
    except Incomplete as exc:
        result.note = str(exc)
        result.events = H.SINKS["naive"].count
        result.seconds = (H.SINKS["naive"].last_write or time.time()) - t0
    ROUND_TRIPS.phase = None
    result.window, result.cpu = infra.cpu.stop()
    measure_round_trips("naive", result)
    result.latencies = latencies_ms(watch_sink, "b")
    cleanup.pop(stop_sink)
    import kombu.pools
    kombu.pools.reset()  # the dispatcher's pooled connections
    return result


# -- (c) raw kombu ----------------------------------------------------------------------------------
def run_raw(args, infra, cleanup):
    result = Result("raw")
    exchange = Exchange("bench.raw", type="direct", durable=True, delivery_mode=2)
    queue = Queue("bench.raw", exchange=exchange, routing_key="raw", durable=True)
    with Connection(infra.amqp_uri) as conn:
        queue.bind(conn.channel()).declare()
    body = encode(new_envelope(H.SOURCE, H.EVENT, {"thing_id": "a-0", "label": LABEL, "n": 0},
                               subject="a-0"))
    got = {"n": 0, "last": None, "target": 0}
    stopping = {"flag": False}

    def on_message(message):
        message.ack()
        got["n"] += 1
        got["last"] = time.time()

    def consume():
        with Connection(infra.amqp_uri, heartbeat=0) as conn:
            with conn.Consumer(queue, on_message=on_message, prefetch_count=args.concurrency):
                while not stopping["flag"]:
                    try:
                        conn.drain_events(timeout=0.5)
                    except socket.timeout:
                        pass
    consumer = eventlet.spawn(consume)

    def stop_consumer():
        stopping["flag"] = True
        consumer.wait()
    cleanup.push("stop raw consumer", stop_consumer)

    def publish_all(count):
        numbers = iter(range(count))

        def worker():
            with Connection(infra.amqp_uri, heartbeat=0,
                            transport_options={"confirm_publish": True}) as conn:
                producer = conn.Producer()
                for i in numbers:
                    producer.publish(body, exchange=exchange, routing_key="raw",
                                     delivery_mode=2, content_type="application/cloudevents+json",
                                     content_encoding="utf-8", message_id=str(i))
        run_all([worker] * min(args.concurrency, max(count, 1)))

    timeout = max(60.0, args.events / 20.0)
    if args.warmup:
        publish_all(args.warmup)
        wait_until(lambda: got["n"] >= args.warmup, timeout, "raw warm-up")
    got["n"], got["last"] = 0, None

    infra.cpu.start()
    t0 = time.time()
    publish_all(args.events)
    result.command_seconds = time.time() - t0
    try:
        wait_until(lambda: got["n"] >= args.events, timeout, "raw consumer")
        result.events = args.events
    except Incomplete as exc:
        result.note = str(exc)
        result.events = got["n"]
    result.seconds = (got["last"] or time.time()) - t0
    result.window, result.cpu = infra.cpu.stop()
    cleanup.pop(stop_consumer)
    return result


# -- (d) the MongoDB server alone ------------------------------------------------------------------
def run_calibration(args, infra, cleanup, concurrency):
    result = Result("mongo-{}".format(concurrency))
    config = infra.config("reporting", "calib{}".format(concurrency))
    client, database = open_database(config)
    cleanup.push("close calibration client", client.close)
    result.db_roles = {config["MONGO_DATABASE"]: "calibration"}
    with H.probe():
        database.writes.insert_one({"_id": "warm"})
    phase = result.name
    infra.cpu.start()
    ROUND_TRIPS.phase = phase
    t0 = time.time()
    drive(lambda i: database.writes.insert_one({"_id": i, "label": LABEL, "n": i,
                                                "at": datetime.now(timezone.utc)}),
          args.events, concurrency)
    result.seconds = time.time() - t0
    ROUND_TRIPS.phase = None
    result.window, result.cpu = infra.cpu.stop()
    result.events = args.events
    measure_round_trips(phase, result)
    cleanup.pop(client.close)
    return result


# -- infrastructure -----------------------------------------------------------------------------------
class Infra:
    def __init__(self, args, cleanup):
        self.run_id = uuid.uuid4().hex[:8]
        self.nx = None
        self.databases = []
        if os.environ.get("MONGO_URI"):
            self.mongo_uri = os.environ["MONGO_URI"]
            self.mongo_label = "MONGO_URI"
        else:
            self.nx = H.NxServer()
            cleanup.push("stop nx-27017", self.nx.stop)
            self.mongo_uri = self.nx.start()
            self.mongo_label = "nx-27017 (pid {}, {})".format(self.nx.pid, self.mongo_uri)
        self.probe_client = pymongo.MongoClient(self.mongo_uri, tz_aware=True)
        cleanup.push("drop bench databases", self._drop_databases)
        base = os.environ.get("AMQP_URI", DEFAULT_AMQP)
        self.admin = H.RabbitAdmin(base)
        vhost = "care-bench-{}".format(self.run_id)
        self.admin.create_vhost(vhost)
        cleanup.push("delete vhost " + vhost, lambda: self.admin.delete_vhost(vhost))
        self.amqp_uri = self.admin.uri(vhost)
        self.vhost = vhost
        self.cpu = H.CpuMeter(self.nx.pid if self.nx else None)

    def config(self, slot, role, **extra):
        database = "bench{}_{}".format(self.run_id, role)
        self.databases.append(database)
        env = {"AMQP_URI": self.amqp_uri, "MONGO_URI": self.mongo_uri,
               "MONGO_DATABASE": database, "CARE_ENV": "test", "SUBSCRIBER_MODULES": ""}
        env.update(extra)
        return load_settings(slot, env)

    def _drop_databases(self):
        if self.nx is None:  # a server of someone else's: leave it as we found it
            with H.probe():
                for name in self.databases:
                    try:
                        self.probe_client.drop_database(name)
                    except Exception:
                        pass
        self.probe_client.close()


# -- report -----------------------------------------------------------------------------------------
def fmt_rate(result):
    text = "{:8.0f} events/s  ({} events in {:.2f}s".format(result.rate, result.events,
                                                           result.seconds or 0)
    if result.command_seconds:
        text += "; producers done after {:.2f}s = {:.0f}/s".format(
            result.command_seconds, result.events / result.command_seconds
            if result.events else 0)
    text += ")"
    if result.note:
        text += "  INCOMPLETE: " + result.note
    return text


def print_round_trips(result, events):
    counts, docs = result.round_trips, result.docs_written
    total, total_docs = sum(counts.values()), sum(docs.values())
    print("  MongoDB round trips: {} = {:.2f} per event;  documents written: {} = {:.2f} per "
          "event".format(total, total / events, total_docs, total_docs / events))
    by_role = defaultdict(Counter)
    docs_by_role = defaultdict(Counter)
    for (database, command, collection), n in counts.items():
        by_role[result.db_roles.get(database, database)][(command, collection)] += n
        docs_by_role[result.db_roles.get(database, database)][(command, collection)] += docs[
            (database, command, collection)]
    print("    {:<11} {:<14} {:<18} {:>6} {:>8} {:>7} {:>8}".format(
        "database", "command", "collection", "trips", "/event", "docs", "/event"))
    for role in sorted(by_role):
        role_total = sum(by_role[role].values())
        role_docs = sum(docs_by_role[role].values())
        print("    {:<11} {:<14} {:<18} {:6d} {:8.3f} {:7d} {:8.3f}".format(
            role, "(all)", "", role_total, role_total / events, role_docs, role_docs / events))
        for (command, collection), n in sorted(by_role[role].items(), key=lambda kv: -kv[1]):
            d = docs_by_role[role][(command, collection)]
            print("    {:<11} {:<14} {:<18} {:6d} {:8.3f} {:7d} {:8.3f}".format(
                "", command, collection, n, n / events, d, d / events))
    by_command = Counter()
    for (database, command, collection), n in counts.items():
        by_command[command] += n
    print("    by command: " + ", ".join("{} {:.2f}".format(c, n / events)
                                         for c, n in by_command.most_common()))


def print_cpu(result):
    if not result.cpu:
        return
    parts = ["{} {:.1f}s = {:.0f}% of a core, {:.2f} ms/event".format(
        k, v, 100.0 * v / result.window, 1000.0 * v / max(result.events, 1))
        for k, v in result.cpu.items()]
    print("  CPU over the {:.1f}s window:".format(result.window))
    for part in parts:
        print("    " + part)
    total = sum(result.cpu.values())
    if total and result.events:
        per_event = total / result.events
        cores = os.cpu_count() or 1
        print("    all three: {:.2f} CPU-ms/event -> {} cores could do at most ~{:.0f} events/s"
              .format(1000.0 * per_event, cores, cores / per_event))


def print_batches(batches):
    if not batches:
        return
    sizes = Counter(batches)
    print("  relay publish batches: {} batches, size min {} / median {:.0f} / mean {:.1f} / "
          "max {}".format(len(batches), min(batches), statistics.median(batches),
                          statistics.mean(batches), max(batches)))
    print("    most frequent sizes: " + ", ".join("{}x{}".format(s, n)
                                                 for s, n in sizes.most_common(8)))


def print_latency(label, latencies):
    if latencies:
        print("{} end-to-end latency (command/envelope time -> handler write), ms: "
              "p50 {:.0f}  p99 {:.0f}  max {:.0f}  (n={})".format(
                  label, percentile(latencies, 50), percentile(latencies, 99),
                  max(latencies), len(latencies)))


def print_exactly_once(result, events):
    runs = result.runs
    twice = sum(1 for n in runs.values() if n > 1)
    print("  handler runs: {} for {} events ({} distinct handled, {} run more than once, "
          "{} never) -> {}".format(sum(runs.values()), events, len(runs), twice,
                                  events - len(runs),
                                  "each effect exactly once" if twice == 0
                                  and len(runs) == events else "NOT EXACTLY ONCE"))


def report(args, infra, kit, naive, raw, calib, replicated=None):
    print()
    print("=" * 78)
    print("event throughput: {} events per pipeline, {} producer greenthreads, warm-up {}"
          .format(args.events, args.concurrency, args.warmup))
    print("MongoDB: {}   RabbitMQ vhost: {}".format(infra.mongo_label, infra.vhost))
    print("load average before: {}".format(args.load_before))
    print("=" * 78)
    print("(a) kit   (outbox -> relay -> subscribe + ledger): " + fmt_rate(kit))
    print("(b) naive (insert + event_dispatcher -> event_handler): " + fmt_rate(naive))
    print("(c) raw kombu (confirmed, persistent, no database):   " + fmt_rate(raw))
    if replicated:
        print("(e) kit, 3 relays + 3 subscriber replicas:         " + fmt_rate(replicated))
    print("ratios: a/b = {:.2f}   a/c = {:.2f}   (b/c = {:.2f}){}".format(
        kit.rate / naive.rate, kit.rate / raw.rate, naive.rate / raw.rate,
        "   e/b = {:.2f}   e/a = {:.2f}".format(replicated.rate / naive.rate,
                                                replicated.rate / kit.rate)
        if replicated else ""))
    print_latency("(a) saturated", kit.latencies)
    if kit.paced:
        print_latency("(a) paced {:.0f}/s".format(args.paced_rate), kit.paced.latencies)
    print_latency("(b) saturated", naive.latencies)
    print()
    print("(a) kit, from first command to last handler write, then until logged/done:")
    print_round_trips(kit, args.events)
    print_batches(kit.batches)
    print_exactly_once(kit, args.events)
    print_cpu(kit)
    if replicated:
        print()
        print("(e) kit with 3 relays and 3 subscriber replicas:")
        print_round_trips(replicated, args.events)
        print_batches(replicated.batches)
        print_exactly_once(replicated, args.events)
        print_cpu(replicated)
    if kit.paced:
        print()
        print("(a) kit paced at {:.0f} commands/s ({} events{}):".format(
            args.paced_rate, kit.paced.events,
            "; INCOMPLETE: " + kit.paced.note if kit.paced.note else ""))
        print_round_trips(kit.paced, max(kit.paced.events, 1))
        print_batches(kit.paced.batches)
    print()
    print("(b) naive:")
    print_round_trips(naive, args.events)
    print_cpu(naive)
    print()
    print("(c) raw kombu:")
    print_cpu(raw)
    print()
    for result in calib:
        print("(d) MongoDB server alone, insert_one from one client, {} greenthreads: "
              "{:.0f} writes/s".format(result.name.split("-")[1], result.rate))
        print_cpu(result)
    ceiling = max(r.rate for r in calib)
    print()
    print("reading (the MongoDB server's own ceiling is ~{:.0f} small writes/s from one client):"
          .format(ceiling))
    for label, result in (("(a) kit", kit), ("(b) naive", naive)):
        trips = sum(result.round_trips.values()) / max(result.events, 1)
        docs = sum(result.docs_written.values()) / max(result.events, 1)
        line = "  {:<9} {:.2f} trips + {:.2f} docs written per event -> round trips alone " \
               "cap it near {:.0f} events/s".format(label, trips, docs, ceiling / trips)
        server_cpu = next((v for k, v in result.cpu.items() if k.startswith("nx-27017")), None)
        if server_cpu and result.events:
            line += "; nx-27017 spent {:.2f} CPU-ms/event ({:.2f} per trip, {:.2f} per doc)".format(
                1000.0 * server_cpu / result.events, 1000.0 * server_cpu / result.events / trips,
                1000.0 * server_cpu / result.events / docs)
        print(line)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=2000, help="events per pipeline")
    parser.add_argument("--concurrency", type=int, default=10,
                        help="producer greenthreads (commands / publishes in flight)")
    parser.add_argument("--warmup", type=int, default=50,
                        help="events through each pipeline before measuring")
    parser.add_argument("--paced-events", type=int, default=200,
                        help="then this many kit commands at --paced-rate (0: skip)")
    parser.add_argument("--paced-rate", type=float, default=100.0,
                        help="commands/s for the paced kit latency run")
    parser.add_argument("--no-replicas", dest="replicas", action="store_false",
                        help="skip (e), the kit with 3 relays and 3 subscriber replicas")
    args = parser.parse_args(argv)
    args.load_before = " ".join(open("/proc/loadavg").read().split()[:3])
    logs.configure(os.environ.get("LOG_LEVEL", "WARNING"))
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored

    cleanup = Cleanup()
    try:
        infra = Infra(args, cleanup)
        print("infrastructure up: {}; vhost {}".format(infra.mongo_label, infra.vhost),
              flush=True)
        print("(a) kit ...", flush=True)
        kit = run_kit(args, infra, cleanup)
        print("    {:.0f} events/s".format(kit.rate), flush=True)
        replicated = None
        if args.replicas:
            print("(e) kit with 3 relays and 3 subscriber replicas ...", flush=True)
            replicated = run_kit(args, infra, cleanup, replicas=3, name="kit3")
            print("    {:.0f} events/s".format(replicated.rate), flush=True)
        print("(b) naive nameko ...", flush=True)
        naive = run_naive(args, infra, cleanup)
        print("    {:.0f} events/s".format(naive.rate), flush=True)
        print("(c) raw kombu ...", flush=True)
        raw = run_raw(args, infra, cleanup)
        print("    {:.0f} events/s".format(raw.rate), flush=True)
        print("(d) MongoDB server alone ...", flush=True)
        calib = [run_calibration(args, infra, cleanup, 1),
                 run_calibration(args, infra, cleanup, args.concurrency)]
        report(args, infra, kit, naive, raw, calib, replicated)
    except KeyboardInterrupt:
        print("\ninterrupted: cleaning up", file=sys.stderr)
        return 130
    finally:
        cleanup.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
