"""pytest plugin: real RabbitMQ and real MongoDB (through pymongo) for every test.

RabbitMQ: AMQP_URI, else the local broker; each test gets its own fresh vhost.
MongoDB: MONGO_URI, else a `mongo` container via testcontainers when a Docker engine
answers, else an nx-27017 server started from its own virtualenv (NX27017_BIN or
.venv-nx/bin/nx-27017) on a free port with a temporary data directory.
Each test gets its own database names, dropped afterwards.
"""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E402  (before anything else imports sockets or threads)

import base64  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.error  # noqa: E402
import urllib.parse  # noqa: E402
import urllib.request  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

import pymongo  # noqa: E402
import pytest  # noqa: E402

from carekit import logs  # noqa: E402
from carekit.config import load_settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672//"


def wait_for(predicate, timeout=15.0, interval=0.05, message="condition"):
    """Poll until predicate() is truthy; returns its value. Fails the test after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for {}".format(message))
        eventlet.sleep(interval)


# -- RabbitMQ --------------------------------------------------------------------------------
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
            self._call("PUT", "/permissions/{}/{}".format(quoted, self.user),
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

    def uri(self, vhost):
        return "amqp://{}:{}@{}:{}/{}".format(
            urllib.parse.quote(self.user), urllib.parse.quote(self.password), self.host,
            self.port, urllib.parse.quote(vhost, safe=""))


@pytest.fixture(scope="session")
def rabbit_admin():
    return RabbitAdmin(os.environ.get("AMQP_URI", DEFAULT_AMQP))


@pytest.fixture
def amqp_uri(rabbit_admin):
    vhost = "care-test-{}".format(uuid.uuid4().hex[:10])
    rabbit_admin.create_vhost(vhost)
    yield rabbit_admin.uri(vhost)
    rabbit_admin.delete_vhost(vhost)


# -- MongoDB ---------------------------------------------------------------------------------
def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _docker_available():
    try:
        import docker
        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


def _start_nx27017():
    binary = os.environ.get("NX27017_BIN") or str(ROOT / ".venv-nx" / "bin" / "nx-27017")
    if not Path(binary).exists():
        pytest.exit("no MongoDB: set MONGO_URI, run a Docker engine, or install nx-27017 in "
                    ".venv-nx (bash .ci/run does)", returncode=4)
    workdir = tempfile.mkdtemp(prefix="care-nx-")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--host", "127.0.0.1", "-p", str(port), "--data-dir", workdir,
         "--pid-file", os.path.join(workdir, "nx.pid"),
         "--log-file", os.path.join(workdir, "nx.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=workdir)
    uri = "mongodb://127.0.0.1:{}/".format(port)
    client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=500)
    wait_for(lambda: _pings(client) or process.poll() is not None, timeout=30,
             message="nx-27017 to accept connections")
    client.close()
    if process.poll() is not None:
        pytest.exit("nx-27017 did not start (see {}/nx.log)".format(workdir), returncode=4)

    def stop():
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(workdir, ignore_errors=True)
    return uri, stop


def _pings(client):
    try:
        client.admin.command("ping")
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def mongo_uri():
    if os.environ.get("MONGO_URI"):
        yield os.environ["MONGO_URI"]
    elif _docker_available():
        from testcontainers.mongodb import MongoDbContainer
        with MongoDbContainer("mongo:7") as container:
            yield container.get_connection_url()
    else:
        uri, stop = _start_nx27017()
        yield uri
        stop()


@pytest.fixture
def mongo_client(mongo_uri):
    client = pymongo.MongoClient(mongo_uri, tz_aware=True)
    created = []
    client.test_databases = created
    yield client
    for name in created:
        try:
            client.drop_database(name)
        except Exception:  # the stand-in may not know a database never written to
            pass
    client.close()


# -- services ----------------------------------------------------------------------------------
@pytest.fixture
def make_config(amqp_uri, mongo_uri, mongo_client):
    """make_config('registry', KEY=value...) -> a service config on this test's vhost and a
    database of its own (dropped after the test)."""
    run_id = uuid.uuid4().hex[:8]

    def make(service, **overrides):
        env = {"AMQP_URI": amqp_uri, "MONGO_URI": mongo_uri, "CARE_ENV": "test",
               "MONGO_DATABASE": "t{}_{}".format(run_id, service),
               "EVENT_RETRY_DELAYS_MS": "50,100", "OUTBOX_POLL_SECONDS": "0.05",
               "SUBSCRIBER_MODULES": ""}
        env.update({k: str(v) for k, v in overrides.items() if k in env or k.isupper()})
        config = load_settings(service, env)
        config.update({k: v for k, v in overrides.items() if k not in config})
        mongo_client.test_databases.append(config["MONGO_DATABASE"])
        return config
    return make


@pytest.fixture
def run_service(amqp_uri, mongo_client):
    """run_service(ServiceClass, config) -> started nameko ServiceContainer (stopped after)."""
    from nameko.containers import ServiceContainer
    containers = []

    def run(cls, config):
        container = ServiceContainer(cls, config)
        container.start()
        containers.append(container)
        return container
    yield run
    for container in reversed(containers):
        try:
            with eventlet.Timeout(15):
                container.stop()
        except eventlet.Timeout:
            container.kill()


@pytest.fixture
def rpc(make_config):
    """rpc(config) -> a ClusterRpcProxy context manager on the test's vhost."""
    from nameko.standalone.rpc import ClusterRpcProxy
    return lambda config, **kw: ClusterRpcProxy(config, **kw)


def pytest_configure(config):
    logs.configure(os.environ.get("LOG_LEVEL", "WARNING"))
    config.addinivalue_line("markers", "slow: longer end-to-end tests")


