"""Keep a set of processes running on one machine (what infra/local/run.sh uses).

    python -m carekit.supervisor --logs DIR NAME=COMMAND [NAME=COMMAND ...]

Each COMMAND (a shell-free command line, split like a shell would) runs with its output
appended to DIR/NAME.log. A process that dies is logged and started again after a backoff
(1 s, doubling up to 30 s; back to 1 s once it has run for a minute); the others keep
serving. SIGINT or SIGTERM stops everything: SIGTERM to each, then SIGKILL to what is still
running after --grace seconds (default 25: a little more than a service's own stop grace).
"""
import argparse
import os
import shlex
import signal
import subprocess
import sys
import time

STEADY_SECONDS = 60.0
MAX_BACKOFF = 30.0


class Supervised:
    def __init__(self, name, argv, log_dir):
        self.name, self.argv, self.log_dir = name, argv, log_dir
        self.process = None
        self.started_at = 0.0
        self.backoff = 1.0
        self.restart_at = None
        self.restarts = 0

    def start(self):
        log = open(os.path.join(self.log_dir, self.name + ".log"), "ab")
        self.process = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self.started_at = time.monotonic()
        self.restart_at = None

    def poll(self, say):
        """Notice an exit and plan the restart; start it when its time has come."""
        now = time.monotonic()
        if self.process is not None and self.process.poll() is not None:
            lived = now - self.started_at
            if lived >= STEADY_SECONDS:
                self.backoff = 1.0
            say("{} exited with code {} after {:.0f} s; restarting in {:.0f} s (see {}.log)"
                .format(self.name, self.process.returncode, lived, self.backoff, self.name))
            self.process = None
            self.restart_at = now + self.backoff
            self.backoff = min(self.backoff * 2, MAX_BACKOFF)
        if self.process is None and self.restart_at is not None and now >= self.restart_at:
            self.restarts += 1
            self.start()
            say("{} restarted (pid {})".format(self.name, self.process.pid))

    def signal(self, signum):
        if self.process is not None and self.process.poll() is None:
            try:
                self.process.send_signal(signum)
            except ProcessLookupError:
                pass


def supervise(children, grace=25.0, say=print, tick=0.2, should_stop=None):
    """Run until should_stop() (default: a SIGINT/SIGTERM arrived); then stop all."""
    stop = []
    if should_stop is None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda s, f: stop.append(s))
        should_stop = lambda: bool(stop)  # noqa: E731
    for child in children:
        child.start()
        say("{} started (pid {})".format(child.name, child.process.pid))
    while not should_stop():
        for child in children:
            child.poll(say)
        time.sleep(tick)
    say("stopping {}".format(", ".join(c.name for c in children)))
    for child in reversed(children):  # the later ones depend on the earlier (e.g. MongoDB)
        child.signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in reversed(children):
        if child.process is None:
            continue
        try:
            child.process.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            say("{} did not stop within {:.0f} s: killed".format(child.name, grace))
            child.signal(signal.SIGKILL)
            child.process.wait()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m carekit.supervisor", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--logs", required=True)
    parser.add_argument("--grace", type=float, default=25.0)
    parser.add_argument("programs", nargs="+", metavar="NAME=COMMAND")
    args = parser.parse_args(argv)
    os.makedirs(args.logs, exist_ok=True)
    children = []
    for program in args.programs:
        name, sep, command = program.partition("=")
        if not sep or not name or not command:
            parser.error("expected NAME=COMMAND, got {!r}".format(program))
        children.append(Supervised(name, shlex.split(command), args.logs))

    def say(message):
        print("supervisor: " + message, flush=True)
    supervise(children, grace=args.grace, say=say)
    return 0


if __name__ == "__main__":
    sys.exit(main())
