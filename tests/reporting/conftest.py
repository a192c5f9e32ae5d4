"""Fixtures: the reporting service on a fresh vhost and database, a way to publish other
services' events to it, and the known-answers county (dataset.py)."""
import pytest
from kombu import Connection

from carekit.events.bus import ConfirmingPublisher, Outgoing
from carekit.events import topology
from carekit.events.catalogue import catalogue
from carekit.events.envelope import CONTENT_TYPE, encode, new_envelope
from carekit.testing.plugin import wait_for
from reporting import projection
from reporting.service import ReportingService
from tests.reporting.dataset import World

def declare_sources(config):
    """The publishers' exchanges and reporting's handler queues, as the publishers (or the
    deployment's topology step) declare them, so events published here have a queue."""
    subscriptions = topology.subscriptions_in_modules(["reporting.service"])
    entities = [e for source in ("registry", "pairing", "activities", "notifications")
                for e in topology.entities_for_publisher(source, subscriptions)]
    with Connection(config["AMQP_URI"]) as conn:
        topology.declare(conn.channel(), entities)


COUNTY_CONTEXT = {"user_id": "county.admin", "user_role": "county_admin",
                  "scope_county_id": "c1"}


class Reporting:
    def __init__(self, make_config, run_service, rpc, mongo_client, **settings):
        self.config = make_config("reporting", SUBSCRIBER_MODULES="reporting.service",
                                  REPORT_TICK_SECONDS=0.2, **settings)
        declare_sources(self.config)
        run_service(ReportingService, self.config)
        self.db = mongo_client[self.config["MONGO_DATABASE"]]
        self._rpc = rpc(self.config, context_data=COUNTY_CONTEXT)
        self.rpc = self._rpc.start().reporting
        self.publisher = ConfirmingPublisher(self.config["AMQP_URI"])

    def close(self):
        self._rpc.stop()
        self.publisher.close()

    def publish(self, source, name, data, version=1, envelope=None):
        envelope = envelope or new_envelope(source, name, data, version=version)
        outcome = self.publisher.publish([Outgoing(envelope["id"], "{}.events".format(source),
                                                   name, encode(envelope), CONTENT_TYPE)])
        assert outcome.confirmed == [envelope["id"]], outcome
        return envelope

    def wait_done(self, count, timeout=60):
        wait_for(lambda: self.db.processed_events.count_documents({"status": "done"}) >= count,
                 timeout=timeout, message="{} events handled".format(count))


@pytest.fixture
def reporting(make_config, run_service, rpc, mongo_client):
    made = []

    def make(**settings):
        service = Reporting(make_config, run_service, rpc, mongo_client, **settings)
        made.append(service)
        return service
    yield make
    for service in made:
        service.close()


@pytest.fixture(scope="session")
def world():
    return World(seed=7, children=60, records=400)


def apply(db, event_id, source, name, version, raw):
    """What the service's handler for this event does, with data loaded by its schema."""
    projection.apply(db, event_id, name, catalogue.load(name, version, raw))
