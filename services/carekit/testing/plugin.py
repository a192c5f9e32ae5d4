"""pytest plugin: real RabbitMQ and real MongoDB (through pymongo) for every test.

RabbitMQ: AMQP_URI, else the local broker; each test gets its own fresh vhost.
MongoDB: MONGO_URI, else a `mongo` container via testcontainers when a Docker engine
answers, else an nx-27017 server started from its own virtualenv (NX27017_BIN or
.venv-nx/bin/nx-27017) on a free port with a temporary data directory.
Each test gets its own database names, dropped afterwards.
"""
import os
import warnings

# trio (pulled in by selenium for the browser tests) registers a hypothesis plugin whose import
# fails under eventlet's green sockets; our tests use neither trio nor hypothesis plugins.
os.environ.setdefault("HYPOTHESIS_NO_PLUGINS", "1")
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E402  (before anything else imports sockets or threads)

import time  # noqa: E402
import uuid  # noqa: E402

import pymongo  # noqa: E402
import pytest  # noqa: E402

from carekit import logs  # noqa: E402
from carekit.config import load_settings  # noqa: E402
from carekit.testing.local import InfraError, NxServer, RabbitAdmin  # noqa: E402

DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672//"
# development defaults (keys, guest:guest) serve only where CARE_ENV allows them: tests and
# the processes they start run as CARE_ENV=test unless a test says otherwise
os.environ.setdefault("CARE_ENV", "test")


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


def wait_handled(database, event_id, handler, timeout=15.0):
    """Wait until `handler` (a subscribe method's name) of the service owning `database`
    has processed event `event_id`, as its ledger records it; returns the ledger entry."""
    key = "{}:{}".format(event_id, handler)
    return wait_for(lambda: database.processed_events.find_one({"_id": key, "status": "done"}),
                    timeout=timeout, message="{} to handle {}".format(handler, event_id))


def wait_queues_empty(amqp_uri, queues=None, timeout=30.0):
    """Wait until the given queues (default: every queue of the vhost) and every retry
    queue hold no message, ready or unacknowledged (in flight at a consumer)."""
    import urllib.parse
    admin = RabbitAdmin(amqp_uri)
    vhost = urllib.parse.unquote(urllib.parse.urlparse(amqp_uri).path[1:]) or "/"

    def empty():
        depths = admin.queue_messages(vhost)
        watched = {q for q in depths if queues is None or q in queues or ".retry." in q}
        return not any(depths[q] for q in watched)
    return wait_for(empty, timeout=timeout, interval=0.5,
                    message="queues {} to be empty".format(queues or "of " + vhost))


# -- RabbitMQ --------------------------------------------------------------------------------
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
def _docker_available():
    try:
        import docker
        docker.from_env(timeout=3).ping()
        return True
    except Exception:  # no engine, no socket, no permission: all mean "not here"
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
        server = NxServer()
        try:
            uri = server.start()
        except InfraError as exc:
            pytest.exit(str(exc), returncode=4)
        yield uri
        server.stop()


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


