"""The county's bureau commands on the test's broker, the example subscribers as the bureaus'
own processes, and what a test needs to look at what they received."""
import json
import os
import subprocess
import sys
import urllib.parse
import uuid
from pathlib import Path

from carekit.bureaus import onboarding
from carekit.bureaus.asyncapi import write as write_asyncapi
from carekit.bureaus.broker import Api
from carekit.testing.plugin import wait_for

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "infra" / "examples"
AMQP_EXAMPLE = EXAMPLES / "bureau_amqp_subscriber.py"
WEBHOOK_EXAMPLE = EXAMPLES / "bureau_webhook_receiver.py"


class TestCounty(onboarding.County):
    """A County on the test's vhost whose bureau accounts carry a prefix of their own (users
    are global to the broker) and are deleted afterwards."""

    def __init__(self, rabbit_admin, amqp_uri, rpc, publishers):
        self.admin = rabbit_admin
        api = Api(rabbit_admin.api, rabbit_admin.user, rabbit_admin.password)
        vhost = urllib.parse.unquote(urllib.parse.urlsplit(amqp_uri).path[1:])
        super().__init__(api, vhost, amqp_uri, rpc, publishers=publishers,
                         bureau_prefix="t{}-bureau-".format(uuid.uuid4().hex[:8]))

    def uri(self, told):
        return "amqp://{}:{}@{}:{}/{}".format(
            urllib.parse.quote(told["user"], safe=""), urllib.parse.quote(told["password"]),
            self.admin.host, self.admin.port, urllib.parse.quote(self.vhost, safe=""))

    def cleanup(self):
        for user in self.api.call("GET", "/users") or []:
            if user["name"].startswith(self.bureau_prefix):
                self.api.delete("/users/" + urllib.parse.quote(user["name"], safe=""))


def asyncapi_file(tmp_path):
    path = tmp_path / "asyncapi.json"
    write_asyncapi(str(path))
    return path


def clean_env():
    """A bureau's process: no care-network code on its path, no eventlet."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    return env


def run_amqp_subscriber(uri, queue, asyncapi, out, rejected, idle_seconds=2.0):
    """The example AMQP subscriber as the bureau runs it: reads until idle; returns
    (accepted [{event, replay_header}], rejected [..])."""
    result = subprocess.run(
        [sys.executable, str(AMQP_EXAMPLE), "--url", uri, "--queue", queue, "--asyncapi",
         str(asyncapi), "--out", str(out), "--rejected", str(rejected), "--idle-seconds",
         str(idle_seconds)], env=clean_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return read_lines(out), read_lines(rejected)


def read_lines(path):
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


class WebhookReceiver:
    """The example receiver in its own process on a free port."""

    def __init__(self, secret, asyncapi, out, port):
        self.out, self.port = Path(out), port
        self.url = "http://127.0.0.1:{}/care-events".format(port)
        self.process = subprocess.Popen(
            [sys.executable, str(WEBHOOK_EXAMPLE), "--port", str(port), "--secret", secret,
             "--asyncapi", str(asyncapi), "--out", str(out)], env=clean_env(),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wait_for(lambda: self._up(), timeout=20, message="webhook receiver listening")

    def _up(self):
        import socket
        if self.process.poll() is not None:
            raise AssertionError(self.process.stderr.read())
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def events(self):
        return read_lines(self.out)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        return self.process.stderr.read()


def private_values_in(text, values):
    """The private `values` (texts) that appear in `text`."""
    return sorted(v for v in values if v and v in text)


def wait_depth(county, queue, count, timeout=20):
    """Wait until `queue` holds `count` messages (read from the broker itself)."""
    depths = {}

    def reached():
        depths.update(county.admin.queue_messages(county.vhost))
        return depths.get(queue) == count
    return wait_for(reached, timeout=timeout, interval=0.3,
                    message="{} messages in {}".format(count, queue))
