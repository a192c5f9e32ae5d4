"""Kill -9 a publisher and a subscriber replica mid-stream while their twins run on: nothing
lost, nothing counted twice."""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from carekit.testing.plugin import wait_for, wait_queues_empty

SCRIPT = Path(__file__).with_name("sample_process.py")
N = 300


def spawn(role, config, *args):
    env = dict(os.environ, SAMPLE_CONFIG=json.dumps(config))
    return subprocess.Popen([sys.executable, str(SCRIPT), role, *map(str, args)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill(process):
    process.send_signal(signal.SIGKILL)
    process.wait(10)


def test_killing_publisher_and_subscriber_mid_stream_loses_and_doubles_nothing(
        make_config, mongo_client):
    sampler = make_config("registry", SUBSCRIBER_MODULES="tests.kit.sample_services")
    counter = make_config("pairing")
    things = mongo_client[sampler["MONGO_DATABASE"]].things
    counts = mongo_client[counter["MONGO_DATABASE"]].counts
    processes = []
    try:
        processes.append(spawn("counter", counter))
        processes.append(spawn("counter", counter))   # a second subscriber replica
        processes.append(spawn("sampler", sampler, 0))  # a second relay, idle until needed
        publisher = spawn("sampler", sampler, N)
        processes.append(publisher)
        wait_for(lambda: things.count_documents({}) >= N // 3, timeout=60,
                 message="a third recorded")
        kill(publisher)                       # mid-stream: some events not yet relayed
        wait_for(lambda: counts.count_documents({}) >= 10, timeout=60, message="some counted")
        kill(processes[0])                    # a subscriber dies with messages in flight
        recorded = things.count_documents({})
        assert 0 < recorded < N
        processes.append(spawn("counter", counter))     # restarted
        wait_for(lambda: counts.count_documents({}) == recorded, timeout=120,
                 message="every recorded thing counted")
        wait_for(lambda: mongo_client[sampler["MONGO_DATABASE"]].event_log.count_documents(
            {"status": "sent"}) == recorded, timeout=60, message="all logged as sent")
        wait_queues_empty(counter["AMQP_URI"])   # every copy consumed, none in flight
        assert counts.count_documents({"n": {"$ne": 1}}) == 0
        assert sorted(d["_id"] for d in counts.find({}, {"_id": 1})) == sorted(
            d["_id"] for d in things.find({}, {"_id": 1}))
        # What the handler was really invoked with: every event at least once, and again
        # only for the few the killed subscriber held in flight (its prefetch, 10) whose
        # done mark it never wrote. A broken ledger would re-run every republished copy.
        # (The surviving relay took over the dead publisher's documents after ORPHAN_SECONDS.)
        runs = {d["_id"]: d["n"] for d in mongo_client[counter["MONGO_DATABASE"]].attempts.find()}
        assert len(runs) == recorded
        assert sum(n - 1 for n in runs.values()) <= 10, runs
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
