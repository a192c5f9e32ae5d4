"""run.sh's supervisor: a process that dies is restarted with backoff while the others keep
running; SIGTERM stops them all."""
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SLEEPER = "{} -c 'import time; time.sleep(600)'".format(sys.executable)


def read_until(process, pattern, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline().decode()
        found = re.search(pattern, line)
        if found:
            return found
    raise AssertionError("no line matching {!r}".format(pattern))


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def test_a_dead_process_is_restarted_and_the_others_keep_running(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "services"))
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "carekit.supervisor", "--logs", str(tmp_path), "--grace", "5",
         "mongo=" + SLEEPER, "activities=" + SLEEPER], env=env, stdout=subprocess.PIPE)
    try:
        mongo = int(read_until(supervisor, r"mongo started \(pid (\d+)\)").group(1))
        activities = int(read_until(supervisor, r"activities started \(pid (\d+)\)").group(1))
        os.kill(activities, signal.SIGKILL)           # as a crash would
        read_until(supervisor, r"activities exited with code -9")
        again = int(read_until(supervisor, r"activities restarted \(pid (\d+)\)").group(1))
        assert again != activities and alive(again)
        assert alive(mongo)                            # the others were left alone
        assert supervisor.poll() is None
        supervisor.send_signal(signal.SIGTERM)         # Ctrl-C / stop: everything stops
        assert supervisor.wait(15) == 0
        time.sleep(0.2)
        assert not alive(mongo) and not alive(again)
        assert (tmp_path / "activities.log").exists()
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
