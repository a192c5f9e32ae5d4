"""Kill -9 the publisher and the subscriber mid-stream: nothing lost, nothing counted twice."""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from carekit.testing.plugin import wait_for

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
        publisher = spawn("sampler", sampler, N)
        processes.append(publisher)
        wait_for(lambda: things.count_documents({}) >= N // 3, timeout=60,
                 message="a third recorded")
        kill(publisher)                       # mid-stream: some events not yet relayed
        wait_for(lambda: counts.count_documents({}) >= 10, timeout=60, message="some counted")
        kill(processes[0])                    # subscriber dies with messages in flight
        recorded = things.count_documents({})
        assert 0 < recorded < N
        processes.append(spawn("counter", counter))
        processes.append(spawn("sampler", sampler, 0))  # relay only: no new commands
        wait_for(lambda: counts.count_documents({}) == recorded, timeout=120,
                 message="every recorded thing counted")
        wait_for(lambda: mongo_client[sampler["MONGO_DATABASE"]].event_log.count_documents(
            {"status": "sent"}) == recorded, timeout=60, message="all marked sent")
        assert counts.count_documents({"n": {"$ne": 1}}) == 0
        assert sorted(d["_id"] for d in counts.find({}, {"_id": 1})) == sorted(
            d["_id"] for d in things.find({}, {"_id": 1}))
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
