"""The baseline for stop times: a bare nameko service (one RPC, no kit) in its own process,
stopped on SIGTERM the way `nameko run` does it. Prints "ready" once it is consuming.

    AMQP_URI=... python tests/kit/bare_process.py
"""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E402

import os  # noqa: E402
import signal  # noqa: E402

from nameko.rpc import rpc  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402


class Bare:
    name = "bare"

    @rpc
    def health(self):
        return {"status": "ok"}


def main():
    runner = ServiceRunner({"AMQP_URI": os.environ["AMQP_URI"]})
    runner.add_service(Bare)
    stopping = eventlet.event.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.send() if not stopping.ready() else None)
    runner.start()
    print("ready", flush=True)
    stopping.wait()
    runner.stop()


if __name__ == "__main__":
    main()
