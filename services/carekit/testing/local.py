"""Local infrastructure for tests and benchmarks: an nx-27017 server of our own, and
RabbitMQ vhosts through the management API (rabbitmqctl when the API is not there)."""
import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pymongo

ROOT = Path(__file__).resolve().parents[3]


class InfraError(RuntimeError):
    pass


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pings(uri):
    client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=500)
    try:
        client.admin.command("ping")
        return True
    except Exception:  # not up yet
        return False
    finally:
        client.close()


class NxServer:
    """An nx-27017 process of our own: free port, own data dir, pid file and log file
    (the stand-in refuses a second instance sharing its default pid file)."""

    def __init__(self, binary=None, prefix="care-nx-"):
        self.binary = binary or os.environ.get("NX27017_BIN") or str(
            ROOT / ".venv-nx" / "bin" / "nx-27017")
        self.prefix = prefix
        self.workdir = None
        self.process = None
        self.uri = None

    def start(self, timeout=30):
        if not Path(self.binary).exists():
            raise InfraError("no MongoDB: set MONGO_URI, run a Docker engine, or install "
                             "nx-27017 in .venv-nx (infra/local/bootstrap.sh does); looked "
                             "for " + self.binary)
        self.workdir = tempfile.mkdtemp(prefix=self.prefix)
        port = free_port()
        self.process = subprocess.Popen(
            [self.binary, "--host", "127.0.0.1", "-p", str(port), "--data-dir", self.workdir,
             "--pid-file", os.path.join(self.workdir, "nx.pid"),
             "--log-file", os.path.join(self.workdir, "nx.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.workdir,
            start_new_session=True)  # Ctrl-C reaches the caller only; it stops us itself
        self.uri = "mongodb://127.0.0.1:{}/".format(port)
        deadline = time.monotonic() + timeout
        while not pings(self.uri):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise InfraError("nx-27017 did not start (see {}/nx.log)".format(self.workdir))
            time.sleep(0.1)
        return self.uri

    @property
    def pid(self):
        return self.process.pid if self.process else None

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


class RabbitAdmin:
    def __init__(self, amqp_uri):
        parsed = urllib.parse.urlparse(amqp_uri)
        self.user = urllib.parse.unquote(parsed.username or "guest")
        self.password = urllib.parse.unquote(parsed.password or "guest")
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 5672
        self.api = os.environ.get("RABBIT_MGMT_URI", "http://{}:15672/api".format(self.host))

    def _call(self, method, path, body=None):
        request = urllib.request.Request(self.api + path, method=method,
                                         data=json.dumps(body).encode() if body is not None
                                         else None)
        token = base64.b64encode("{}:{}".format(self.user, self.password).encode()).decode()
        request.add_header("Authorization", "Basic " + token)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
            return json.loads(text) if text else None

    def create_vhost(self, vhost):
        quoted = urllib.parse.quote(vhost, safe="")
        try:
            self._call("PUT", "/vhosts/" + quoted, {})
            self._call("PUT", "/permissions/{}/{}".format(quoted, urllib.parse.quote(self.user)),
                       {"configure": ".*", "write": ".*", "read": ".*"})
        except (urllib.error.URLError, OSError):
            subprocess.run(["rabbitmqctl", "add_vhost", vhost], check=True, capture_output=True)
            subprocess.run(["rabbitmqctl", "set_permissions", "-p", vhost, self.user,
                            ".*", ".*", ".*"], check=True, capture_output=True)

    def delete_vhost(self, vhost):
        try:
            self._call("DELETE", "/vhosts/" + urllib.parse.quote(vhost, safe=""))
        except (urllib.error.URLError, OSError):
            subprocess.run(["rabbitmqctl", "delete_vhost", vhost], capture_output=True)

    def queue_messages(self, vhost):
        """{queue: messages ready + unacknowledged} in `vhost`, read from the queues
        themselves (rabbitmqctl; the management API's figures lag up to its statistics
        interval, so it is only the fallback for a broker on another host)."""
        try:
            out = subprocess.run(["rabbitmqctl", "list_queues", "-q", "-p", vhost, "name",
                                  "messages"], check=True, capture_output=True, text=True,
                                 timeout=30).stdout
            depths = {}
            for line in out.splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[1].isdigit():
                    depths[parts[0]] = int(parts[1])
            return depths
        except (OSError, subprocess.SubprocessError):
            queues = self._call("GET", "/queues/" + urllib.parse.quote(vhost, safe=""))
            return {q["name"]: int(q.get("messages") or 0) for q in queues}

    def uri(self, vhost):
        return "amqp://{}:{}@{}:{}/{}".format(
            urllib.parse.quote(self.user), urllib.parse.quote(self.password), self.host,
            self.port, urllib.parse.quote(vhost, safe=""))
