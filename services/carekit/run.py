"""Start one service process: python -m carekit.run SERVICE

Settings come from the environment (carekit.config); a bad one stops the start with a
message naming it. SIGTERM stops gracefully, but never waits longer than STOP_GRACE_SECONDS.
"""
import eventlet

eventlet.monkey_patch()  # noqa: E402  (must precede every other import)

import importlib  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402

from nameko.runners import ServiceRunner  # noqa: E402

from carekit import logs  # noqa: E402
from carekit.config import ConfigError, load_settings  # noqa: E402


def service_class(name):
    module = importlib.import_module("{}.service".format(name))
    for obj in vars(module).values():
        if isinstance(obj, type) and getattr(obj, "name", None) == name \
                and obj.__module__ == module.__name__:
            return obj
    raise ConfigError("no nameko service named {!r} in {}.service".format(name, name))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m carekit.run SERVICE", file=sys.stderr)
        return 2
    try:
        config = load_settings(argv[0])
        cls = service_class(argv[0])
    except ConfigError as exc:
        print("care-network: {}".format(exc), file=sys.stderr)
        return 3
    logs.configure(config["LOG_LEVEL"], service=argv[0])
    log = logs.get_logger("carekit.run")
    if config["METRICS_PORT"]:
        from prometheus_client import start_http_server
        start_http_server(config["METRICS_PORT"])
    if argv[0] == "gateway":
        config["WEB_SERVER_ADDRESS"] = "0.0.0.0:{}".format(config["GATEWAY_PORT"])
    runner = ServiceRunner(config)
    runner.add_service(cls)
    serve(runner, config["STOP_GRACE_SECONDS"], log,
          on_started=lambda: log.info("service_started", service=argv[0],
                                      database=config["MONGO_DATABASE"]))
    return 0


def serve(runner, grace_seconds, log, on_started=None):
    """Start `runner` and run until SIGTERM or SIGINT; then stop gracefully (running workers
    finish their work), but never wait longer than `grace_seconds`. A signal that arrives
    while the service is still starting stops it as soon as it has started (nameko cannot
    stop a container half-way through its start); a second one then exits at once."""
    state = {"started": False, "stopping": False}

    def stop_within_grace():
        stopper = eventlet.spawn(runner.stop)
        try:
            with eventlet.Timeout(grace_seconds):
                stopper.wait()
        except eventlet.Timeout:
            log.warning("stop_grace_expired_killing", seconds=grace_seconds)
            runner.kill()

    def shutdown(signum, frame):
        if state["stopping"]:
            if not state["started"]:
                log.warning("stopped_while_starting")
                os._exit(1)
            return
        state["stopping"] = True
        if state["started"]:
            eventlet.spawn_n(stop_within_grace)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    runner.start()
    state["started"] = True
    if state["stopping"]:
        eventlet.spawn_n(stop_within_grace)
    elif on_started:
        on_started()
    runnlet = eventlet.spawn(runner.wait)
    while True:
        try:
            runnlet.wait()
            return
        except OSError:
            continue


if __name__ == "__main__":
    sys.exit(main())
