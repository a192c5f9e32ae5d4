"""Runs a sample service in its own process so a test can kill -9 it mid-stream.

    python tests/kit/sample_process.py counter            # the subscriber
    python tests/kit/sample_process.py sampler N          # relay + record things 0..N-1
    python tests/kit/sample_process.py sampler 0          # relay only (after a crash)
Config comes as JSON in SAMPLE_CONFIG.
"""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E402

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

from nameko.runners import ServiceRunner  # noqa: E402

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

from carekit import logs  # noqa: E402
from carekit.events.outbox import EventRecorder  # noqa: E402
from carekit.mongo import open_database  # noqa: E402
from carekit.run import serve  # noqa: E402
from tests.kit.sample_services import Counter, Sampler  # noqa: E402


def main():
    role = sys.argv[1]
    config = json.loads(os.environ["SAMPLE_CONFIG"])
    logs.configure("WARNING")
    runner = ServiceRunner(config)
    runner.add_service(Counter if role == "counter" else Sampler)

    def started():
        if role == "sampler":
            record(next(iter(runner.containers)), config, int(sys.argv[2]))
        print("ready", flush=True)
    serve(runner, 20, logs.get_logger("sample"), on_started=started)


def record(container, config, count):
    """Commands as a worker runs them: each thing and its event in one write."""
    _, db = open_database(config)
    relay = next(ext for ext in container.shared_extensions.values() if hasattr(ext, "notify"))
    recorder = EventRecorder("sampler", db, correlation_id="kill-test", notify=relay.notify)
    for i in range(count):
        thing_id = "k{:04d}".format(i)
        event = recorder.event("ThingRecorded", {"thing_id": thing_id, "label": "x"})
        recorder.insert("things", {"_id": thing_id}, [event])
        eventlet.sleep(0)


if __name__ == "__main__":
    main()
