"""infra/rabbitmq/provision.py against the real local broker (management API, fresh vhost):
every account can do its job through the real kit and nothing more.

Two probe services (tests/infra/probe_services.py) run under their own provisioned users;
the topology job, the healthcheck and a bureau consumer run under theirs; then each account
tries what it must not do and the broker refuses it (403 ACCESS_REFUSED).
"""
import importlib.util
import os
import re
import secrets
import subprocess
import sys
import urllib.parse
import uuid
from pathlib import Path

import amqp.exceptions
import pytest
from kombu import Connection, Exchange, Producer, Queue

from carekit.bureaus import onboarding
from carekit.config import PUBLIC_STREAM_PUBLISHERS, WEBHOOK_SENDERS
from carekit.events import topology
from carekit.events.dlq import DeadLetters
from carekit.testing.plugin import wait_for
from tests.infra.probe_services import (PUBLISHER, SUBSCRIBER, ProbePublisher,
                                        ProbeSubscriber)

ROOT = Path(__file__).resolve().parents[2]
PROBES = "tests.infra.probe_services"
BUREAU = "probebureau"


def load_provision():
    spec = importlib.util.spec_from_file_location(
        "care_provision", ROOT / "infra" / "rabbitmq" / "provision.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


provision = load_provision()


class Accounts:
    def __init__(self, rabbit_admin, amqp_uri):
        self.admin = rabbit_admin
        self.admin_uri = amqp_uri
        self.vhost = urllib.parse.unquote(urllib.parse.urlsplit(amqp_uri).path[1:])
        run = uuid.uuid4().hex[:8]
        self.user_prefix = "t{}-care-".format(run)
        self.bureau_prefix = "t{}-bureau-".format(run)
        self.services = [PUBLISHER, SUBSCRIBER, "gateway"]
        self.passwords = {s: secrets.token_hex(16) for s in self.services}
        self.topology_password = secrets.token_hex(16)
        self.api = provision.Api(rabbit_admin.api, rabbit_admin.user, rabbit_admin.password)
        self.users = []

    def provision(self):
        subscriptions = topology.subscriptions_in_modules([PROBES])
        self.users = provision.provision(
            self.api, self.vhost, self.services, subscriptions, self.passwords,
            self.topology_password, user_prefix=self.user_prefix, log=lambda message: None)
        # a bureau joins as `python -m carekit.bureaus onboard` makes it (broker part)
        onboarding.prepare_queue(self.api, self.vhost, BUREAU, ["ChildRegistered"])
        self.passwords["bureau:" + BUREAU] = onboarding.create_account(
            self.api, self.vhost, self.bureau_prefix + BUREAU, BUREAU)
        self.users.append(self.bureau_prefix + BUREAU)

    def uri(self, who):
        if who == "topology":
            user, password = self.user_prefix + "topology", self.topology_password
        elif who == "bureau":
            user, password = self.bureau_prefix + BUREAU, self.passwords["bureau:" + BUREAU]
        else:
            user, password = self.user_prefix + who, self.passwords[who]
        return "amqp://{}:{}@{}:{}/{}".format(user, password, self.admin.host, self.admin.port,
                                             urllib.parse.quote(self.vhost, safe=""))

    def cleanup(self):
        for user in self.users:
            try:
                self.api.call("DELETE", "/users/" + urllib.parse.quote(user, safe=""))
            except Exception:
                pass


@pytest.fixture
def accounts(rabbit_admin, amqp_uri):
    accounts = Accounts(rabbit_admin, amqp_uri)
    try:
        accounts.provision()
        yield accounts
    finally:
        accounts.cleanup()


def refused(action):
    """True when the broker answers 403 ACCESS_REFUSED."""
    try:
        action()
    except amqp.exceptions.AccessRefused:
        return True
    return False


def publish(uri, exchange, routing_key="x"):
    with Connection(uri, transport_options={"confirm_publish": True}) as conn:
        Producer(conn.channel()).publish({"probe": True}, exchange=exchange,
                                         routing_key=routing_key, retry=False)


def get_one(uri, queue):
    with Connection(uri) as conn:
        channel = conn.channel()
        return channel.basic_get(queue, no_ack=False)


def bind(uri, queue, exchange, key="#"):
    with Connection(uri) as conn:
        conn.channel().queue_bind(queue, exchange, routing_key=key)


def healthcheck(service, uri):
    env = dict(os.environ, AMQP_URI=uri, HEALTHCHECK_TIMEOUT="4", METRICS_PORT="")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "services"), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "carekit.healthcheck", service], env=env,
                          capture_output=True, text=True, timeout=60)


HANDLER_QUEUE = topology.handler_queue_name(PUBLISHER, "ProbeRecorded", SUBSCRIBER, "on_probe")


# -- the permission regexes, offline ------------------------------------------------------------
def test_each_service_reads_only_its_own_queues_for_the_real_subscriptions():
    from tests.infra.test_compose import assert_service_packages_not_shadowed
    assert_service_packages_not_shadowed()
    subscriptions = topology.subscriptions_in_modules(topology.PRODUCT_SERVICE_MODULES)
    names = list(provision.DEFAULT_SERVICES)
    perms = {s: provision.service_permissions(s, subscriptions)[0] for s in names}
    for sub in subscriptions:
        queue = sub.queue().name
        readers = [s for s in names if re.fullmatch(perms[s]["read"], queue)]
        assert readers == [sub.service], (queue, readers)
    for service in names:
        for other in names:
            dlq = "dlq." + other
            assert bool(re.fullmatch(perms[service]["read"], dlq)) is False
            assert bool(re.fullmatch(perms[service]["write"], dlq)) is (service == other)
            rpc_queue = "rpc-" + other
            assert bool(re.fullmatch(perms[service]["read"], rpc_queue)) is (service == other)
            events = other + ".events"
            assert bool(re.fullmatch(perms[service]["write"], events)) is (service == other)
        # only the publishers of public events may send to the bureaus' exchange, and each
        # only its own public events (topic permission); nobody may read from it
        assert bool(re.fullmatch(perms[service]["write"], provision.PUBLIC_EXCHANGE)) is (
            service in PUBLIC_STREAM_PUBLISHERS)
        assert not re.fullmatch(perms[service]["read"], provision.PUBLIC_EXCHANGE)
        topics = {t["exchange"]: t for t in provision.service_permissions(
            service, subscriptions)[1]}
        if service in PUBLIC_STREAM_PUBLISHERS:
            mine = provision.public_event_names(service)
            assert re.fullmatch(topics["care.public"]["write"], "minzheng." + mine[0])
            others = [n for s in PUBLIC_STREAM_PUBLISHERS if s != service
                      for n in provision.public_event_names(s)]
            assert not any(re.fullmatch(topics["care.public"]["write"], "minzheng." + n)
                           for n in others if n not in mine)
        else:
            assert "care.public" not in topics
        # the bureaus' queues: webhook ones are read by their sender (notifications) alone,
        # AMQP ones by the bureau's own account alone
        assert bool(re.fullmatch(perms[service]["read"], "webhook.minzheng")) is (
            service in WEBHOOK_SENDERS)
        assert not re.fullmatch(perms[service]["read"], "public.minzheng")


def test_only_notifications_may_call_one_registry_method():
    """The one backend RPC grant: notifications -> registry.notification_contacts."""
    topics = {s: next(t["write"] for t in provision.service_permissions(s)[1]
                      if t["exchange"] == "nameko-rpc")
              for s in provision.DEFAULT_SERVICES}
    assert re.fullmatch(topics["notifications"], "registry.notification_contacts")
    assert re.fullmatch(topics["notifications"], "notifications.health")
    for key in ("registry.get_child", "registry.notification_contactsX", "pairing.health"):
        assert not re.fullmatch(topics["notifications"], key), key
    for service in ("registry", "pairing", "activities", "reporting"):
        assert not re.fullmatch(topics[service], "registry.notification_contacts") or \
            service == "registry"


def test_notifications_only_reads_the_webhook_queues_it_delivers_from():
    """The bureaus' webhook deliveries moved into notifications: it gained read on
    `webhook.<bureau>` and nothing more (no configure, no write, no AMQP bureau queue)."""
    perms = provision.service_permissions("notifications")[0]
    assert re.fullmatch(perms["read"], "webhook.minzheng")
    for right in ("configure", "write"):
        assert not re.fullmatch(perms[right], "webhook.minzheng"), right
    for other in ("public.minzheng", "webhook.Min", "webhook.minzheng.x", "care.public"):
        assert not re.fullmatch(perms["read"], other), other


def test_bureaus_can_only_read_their_own_queue():
    perms = provision.bureau_permissions("minzheng")
    assert perms["configure"] == "^$" and perms["write"] == "^$"
    assert re.fullmatch(perms["read"], "public.minzheng")
    for other in ("public.fulian", "registry.events", "dlq.registry", "evt-registry-X--a.b",
                  "care.public", "public.minzhengx"):
        assert not re.fullmatch(perms["read"], other), other


def test_provisioning_refuses_missing_or_weak_passwords(capsys):
    env = {"RABBITMQ_ADMIN_USER": "admin", "RABBITMQ_ADMIN_PASSWORD": "x" * 20,
           "CARE_SERVICES": "registry,pairing",
           "RABBITMQ_PASSWORD_REGISTRY": "a" * 20, "RABBITMQ_PASSWORD_PAIRING": "b" * 20,
           "RABBITMQ_PASSWORD_TOPOLOGY": "changeme",
           "RABBITMQ_MANAGEMENT_URL": "http://127.0.0.1:9/never-called"}
    assert provision.main(env) == 1
    assert "RABBITMQ_PASSWORD_TOPOLOGY" in capsys.readouterr().err
    env["RABBITMQ_PASSWORD_TOPOLOGY"] = "c" * 20
    del env["RABBITMQ_PASSWORD_PAIRING"]
    assert provision.main(env) == 1
    assert "RABBITMQ_PASSWORD_PAIRING" in capsys.readouterr().err
    env["RABBITMQ_PASSWORD_PAIRING"] = "p@ss/word:with-specials"
    assert provision.main(env) == 1


# -- on the real broker ---------------------------------------------------------------------------
def test_provisioning_is_idempotent(accounts):
    accounts.provision()  # second run: same users, passwords reset, nothing refused
    for who in (PUBLISHER, SUBSCRIBER, "gateway", "topology", "bureau"):
        with Connection(accounts.uri(who)) as conn:
            conn.connect()


def declare_topology(accounts, monkeypatch):
    """The deployment's one-shot topology step, under the topology account."""
    monkeypatch.setenv("SUBSCRIBER_MODULES", PROBES)
    topology.main(["--amqp-uri", accounts.uri("topology")])


def test_topology_job_declares_everything_and_can_do_nothing_else(accounts, monkeypatch):
    declare_topology(accounts, monkeypatch)
    with Connection(accounts.admin_uri) as conn:   # it really declared them
        channel = conn.channel()
        for queue in ("dlq.registry", "dlq.reporting", HANDLER_QUEUE):
            channel.queue_declare(queue, passive=True)
        for exchange in ("pairing.events", "registry.replay", SUBSCRIBER + ".requeue"):
            channel.exchange_declare(exchange, "topic", passive=True)
    uri = accounts.uri("topology")
    assert refused(lambda: publish(uri, "registry.events"))
    assert refused(lambda: publish(uri, SUBSCRIBER + ".requeue", HANDLER_QUEUE))
    assert refused(lambda: publish(uri, "", HANDLER_QUEUE))
    assert refused(lambda: get_one(uri, "dlq.registry"))
    assert refused(lambda: get_one(uri, HANDLER_QUEUE))


def run_probes(accounts, monkeypatch, make_config, run_service):
    declare_topology(accounts, monkeypatch)
    pub_config = make_config("registry", AMQP_URI=accounts.uri(PUBLISHER),
                             SUBSCRIBER_MODULES=PROBES, BROKER_TOPOLOGY="provisioned")
    sub_config = make_config("pairing", AMQP_URI=accounts.uri(SUBSCRIBER),
                             SUBSCRIBER_MODULES=PROBES, BROKER_TOPOLOGY="provisioned")
    run_service(ProbePublisher, pub_config)
    run_service(ProbeSubscriber, sub_config)
    return pub_config, sub_config


def test_services_run_the_whole_event_path_under_their_own_accounts(
        accounts, monkeypatch, make_config, run_service, rpc, mongo_client):
    pub_config, sub_config = run_probes(accounts, monkeypatch, make_config, run_service)
    gateway_config = dict(pub_config, AMQP_URI=accounts.uri("gateway"))
    with rpc(gateway_config) as proxy:         # the gateway may call any service
        proxy[PUBLISHER].record("p1")
        proxy[PUBLISHER].record("p2", fail=True)
    seen = mongo_client[sub_config["MONGO_DATABASE"]].seen
    wait_for(lambda: seen.find_one({"_id": "p1"}), message="event handled")
    # the failing one was retried through the subscriber's own retry queues and
    # dead-lettered, all under the subscriber's account
    dead = DeadLetters(accounts.admin_uri, SUBSCRIBER)
    records = wait_for(lambda: dead.list(), timeout=20, message="dead letter")
    assert records[0]["queue"] == HANDLER_QUEUE and records[0]["attempts"] >= 2
    # ops replay it (it fails again: the probe always fails) through the requeue exchange
    assert dead.replay() == [records[0]["id"]]
    wait_for(lambda: len(dead.list()) == 1, timeout=20, message="dead-lettered again")
    # the publisher replays its log into the subscriber's queue only (rebuild path)
    with rpc(gateway_config) as proxy:
        answer = proxy[PUBLISHER].replay_events({"event": "ProbeRecorded",
                                                 "queue": HANDLER_QUEUE})
    assert answer["count"] == 2

    # the container healthcheck, with each service's own account
    ok = healthcheck(SUBSCRIBER, accounts.uri(SUBSCRIBER))
    assert ok.returncode == 0, ok.stderr
    # a backend service may call only its own health RPC, not another service's
    other = healthcheck(PUBLISHER, accounts.uri(SUBSCRIBER))
    assert other.returncode == 1 and "health RPC" in other.stderr
    assert not refused(lambda: get_one(accounts.uri(SUBSCRIBER), HANDLER_QUEUE))  # its own


def other_queues(service):
    """Queues and exchanges of the probe pair that belong to someone other than `service`."""
    return [q for q in (HANDLER_QUEUE, "dlq." + SUBSCRIBER, "dlq." + PUBLISHER,
                        "rpc-" + SUBSCRIBER, "rpc-" + PUBLISHER,
                        SUBSCRIBER + ".retry.50ms", PUBLISHER + ".retry.50ms")
            if service == "bureau" or not (q.endswith("--" + service + ".on_probe")
                                            or q in ("rpc-" + service,
                                                     service + ".retry.50ms"))]


@pytest.mark.parametrize("who", [PUBLISHER, SUBSCRIBER, "gateway", "bureau"])
def test_no_account_can_eavesdrop_forge_or_steal(who, accounts, monkeypatch, make_config,
                                                 run_service):
    """Each account tries, against the real broker, what a compromised service would."""
    run_probes(accounts, monkeypatch, make_config, run_service)
    uri = accounts.uri(who)
    mine = "rpc-" + who if who != "bureau" else provision.bureau_queue(BUREAU)
    with Connection(accounts.admin_uri) as conn:   # a queue the attacker may bind, if any
        Queue(mine, durable=True, auto_delete=False).bind(conn.channel()).declare()
    # eavesdrop on every RPC of the county
    other = SUBSCRIBER if who == PUBLISHER else PUBLISHER
    assert refused(lambda: bind(uri, mine, "nameko-rpc", "#"))
    assert refused(lambda: bind(uri, mine, "nameko-rpc", other + ".*"))
    assert refused(lambda: bind(uri, mine, "nameko-rpc", other + ".record"))
    # receive events it does not subscribe to
    for exchange in (PUBLISHER + ".events", "registry.events", "pairing.events"):
        if exchange != who + ".events":
            assert refused(lambda: bind(uri, mine, exchange, "#")), exchange
    somebody_elses = topology.handler_queue_name(PUBLISHER, "ProbeRecorded", "reporting",
                                                 "on_probe")
    if who != PUBLISHER:  # (its own replay exchange carries only its own events)
        assert refused(lambda: bind(uri, mine, PUBLISHER + ".replay", somebody_elses))
    if who not in (PUBLISHER, SUBSCRIBER):
        assert refused(lambda: bind(uri, mine, PUBLISHER + ".replay", HANDLER_QUEUE))
    # forge a message into another service's handler, retry or dead-letter path
    for exchange, key in (("", HANDLER_QUEUE), ("amq.default", HANDLER_QUEUE),
                          (SUBSCRIBER + ".requeue", HANDLER_QUEUE),
                          (SUBSCRIBER + ".retry.50ms", HANDLER_QUEUE),
                          (SUBSCRIBER + ".dead-letters", SUBSCRIBER),
                          (PUBLISHER + ".replay", HANDLER_QUEUE)):
        if who == SUBSCRIBER and exchange.startswith(SUBSCRIBER + "."):
            continue  # its own path into its own queue
        if who == PUBLISHER and exchange == PUBLISHER + ".replay":
            continue  # replaying its own events to its subscribers is its job
        assert refused(lambda: publish(uri, exchange, key)), (exchange, key)
    if who != PUBLISHER:
        assert refused(lambda: publish(uri, PUBLISHER + ".events", "ProbeRecorded"))
    assert refused(lambda: publish(uri, provision.PUBLIC_EXCHANGE, "ProbeRecorded"))
    # take someone else's messages
    for queue in other_queues(who):
        assert refused(lambda: get_one(uri, queue)), queue
    if who != "gateway":
        assert refused(lambda: publish(uri, "nameko-rpc", other + ".record"))


def test_bureau_reads_the_public_stream_and_nothing_else(accounts):
    queue = provision.bureau_queue(BUREAU)
    publish(accounts.admin_uri, provision.PUBLIC_EXCHANGE, "someoneelse.ChildRegistered")
    publish(accounts.admin_uri, provision.PUBLIC_EXCHANGE, BUREAU + ".ChildUpdated")
    publish(accounts.admin_uri, provision.PUBLIC_EXCHANGE, BUREAU + ".ChildRegistered")
    bureau = accounts.uri("bureau")
    with Connection(bureau) as conn:  # bureau clients declare passively: they may not declare
        channel = conn.channel()
        assert channel.queue_declare(queue, passive=True).queue == queue
    message = wait_for(lambda: get_one(bureau, queue), message="public event")
    assert "probe" in str(message.body)
    assert message.delivery_info["routing_key"] == BUREAU + ".ChildRegistered"
    with Connection(accounts.admin_uri) as conn:
        channel = conn.channel()
        Exchange("registry.events", type="topic", durable=True).bind(channel).declare()
        Queue("dlq.registry", durable=True).bind(channel).declare()
    assert refused(lambda: publish(bureau, provision.PUBLIC_EXCHANGE))
    assert refused(lambda: publish(bureau, "registry.events"))
    assert refused(lambda: bind(bureau, queue, "registry.events"))  # no identified events
    assert refused(lambda: get_one(bureau, "dlq.registry"))
    with Connection(bureau) as conn:
        assert refused(lambda: conn.channel().queue_declare("mine", durable=True))


def _free_port():
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_container_command_and_healthcheck_as_compose_runs_them(accounts, mongo_uri):
    """`python -m carekit.run gateway` under the gateway's own account, production settings,
    then the compose healthcheck against it; after SIGTERM it stops within its grace period
    and the healthcheck turns unhealthy."""
    import base64
    import signal
    metrics_port, http_port = _free_port(), _free_port()
    env = dict(os.environ, CARE_ENV="production", AMQP_URI=accounts.uri("gateway"),
               MONGO_URI=mongo_uri, MONGO_DATABASE="care_gateway_{}".format(uuid.uuid4().hex[:6]),
               PII_ENCRYPTION_KEY=base64.urlsafe_b64encode(os.urandom(32)).decode(),
               METRICS_PORT=str(metrics_port), GATEWAY_PORT=str(http_port),
               STOP_GRACE_SECONDS="5", HEALTHCHECK_TIMEOUT="4", LOG_LEVEL="WARNING")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "services"), env.get("PYTHONPATH", "")])
    process = subprocess.Popen([sys.executable, "-m", "carekit.run", "gateway"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        def check():
            return subprocess.run([sys.executable, "-m", "carekit.healthcheck", "gateway"],
                                  env=env, capture_output=True, text=True, timeout=60)
        result = wait_for(lambda: check().returncode == 0 or process.poll() is not None,
                          timeout=60, interval=1, message="gateway healthy")
        assert process.poll() is None, process.stderr.read().decode()[-2000:]
        assert result
        process.send_signal(signal.SIGTERM)
        # gone well before compose's stop_grace_period (30 s) would kill it: the service's
        # own grace (5 s here) bounds the wind-down; what is left is process exit, which a
        # loaded machine stretches, so no tighter wall-clock bound here (tests/kit/test_stop.py
        # measures stop times against a bare service's)
        process.wait(timeout=30)
        stopped = check()
        assert stopped.returncode == 1
        assert "metrics endpoint" in stopped.stderr and "HTTP port" in stopped.stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
