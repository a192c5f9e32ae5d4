"""The relay's public copies under replicas and crashes: three registry replicas (three relays
racing on the same documents) with concurrent writers, and a relay killed between its publish
and its log."""
import json

import eventlet
from kombu import Connection

from carekit.bureaus import directory, onboarding
from carekit.bureaus.broker import PUBLIC_EXCHANGE, Api, bureau_queue, routing_key
from carekit.bureaus.stream import PublicStream
from carekit.events import topology
from carekit.events.bus import ConfirmingPublisher
from carekit.events.outbox import EventRecorder
from carekit.events.public import Keyring
from carekit.events.records import EVENT_LOG, carried
from carekit.events.relay import Relay
from carekit.testing.plugin import wait_for
from registry.service import RegistryService
from registry.tests.helpers import ADMIN, child_payload, county, db  # noqa: F401  (fixtures)

NAMES = ["ChildRegistered", "ChildUpdated"]


def drain(uri, queue):
    """Every message in `queue` (acked): [(public id, body)]."""
    got = []
    with Connection(uri) as conn:
        channel = conn.channel()
        while True:
            message = channel.basic_get(queue, no_ack=True)
            if message is None:
                return got
            body = json.loads(message.body)
            got.append((body["id"], body))


def test_three_relays_copy_every_public_event_to_every_subscribed_bureau(
        registry, county, db, county_of, run_service, rpc, registry_config, amqp_uri):
    run_service(RegistryService, registry_config)   # three replicas: three relays
    run_service(RegistryService, registry_config)
    bureaus = county_of()
    onboarding.onboard(bureaus, "minzheng", NAMES)
    onboarding.onboard(bureaus, "jiaoyu", NAMES + ["ChildStatusChanged"], education=True)

    def writer(start):
        with rpc(registry_config, context_data={"user_id": ADMIN}) as proxy:
            for seq in range(start, start + 6):
                child = proxy.registry.register_child(child_payload(county, seq=seq))
                proxy.registry.update_child(child["id"], {"boards_at_school": True})
    pool = eventlet.GreenPool()
    for start in (10, 20, 30, 40):
        pool.spawn(writer, start)
    pool.waitall()

    query = {"name": {"$in": NAMES}, "envelope.subject": {"$exists": True}}
    wait_for(lambda: db[EVENT_LOG].count_documents(query) == 48, timeout=60,
             message="48 child events logged")
    logged = list(db[EVENT_LOG].find(query))
    wait_for(lambda: all(set((d.get("public") or {})) >= {"minzheng", "jiaoyu"}
                         for d in db[EVENT_LOG].find(query)), timeout=30,
             message="every copy noted in the event log")
    keyring = Keyring(registry_config["PUBLIC_STREAM_KEY"])
    for bureau in ("minzheng", "jiaoyu"):
        expected = {keyring.public_id(bureau, d["_id"]) for d in logged}
        got = []

        def all_there():
            got.extend(drain(amqp_uri, bureau_queue(bureau)))
            return expected <= {i for i, _ in got}
        wait_for(all_there, timeout=30, message="{}'s copies".format(bureau))
        got.extend(drain(amqp_uri, bureau_queue(bureau)))
        received = {i for i, _ in got}
        assert received == expected, (len(expected - received), len(received - expected))
        # copies of the same event are identical (a bureau drops the second by its id)
        by_id = {}
        for public_id, body in got:
            assert by_id.setdefault(public_id, body) == body
        assert all(b["source"] == "/care-network/public/registry" for _, b in got)


def test_a_relay_that_dies_after_publishing_sends_the_same_copies_again(
        mongo_client, registry_config, amqp_uri, rabbit_admin):
    """Published (domain event and public copy), then the process died before the log: the
    next relay publishes both again; the bureau gets the copy twice with one id, and the log
    notes it once."""
    db = mongo_client[registry_config["MONGO_DATABASE"]]
    api = Api(rabbit_admin.api, rabbit_admin.user, rabbit_admin.password)
    vhost = amqp_uri.rsplit("/", 1)[1]
    api.declare_public_exchange(vhost)
    api.declare_queue(vhost, bureau_queue("minzheng"))
    api.bind(vhost, PUBLIC_EXCHANGE, bureau_queue("minzheng"),
             routing_key("minzheng", "TownshipRegistered"))
    directory.save(db, {"bureau": "minzheng", "events": ["TownshipRegistered"],
                        "education": False, "generation": 7})
    recorder = EventRecorder("registry", db, correlation_id="c-1")
    event = recorder.event("TownshipRegistered", {"township_id": "t1", "version": 1,
                                                  "county_id": "c1", "code": "01",
                                                  "name": "花明楼镇"})
    recorder.insert("townships", {"_id": "t1"}, [event])
    keyring = Keyring(registry_config["PUBLIC_STREAM_KEY"])

    def relay():
        publisher = ConfirmingPublisher(amqp_uri)
        publisher.declare([topology.event_exchange("registry")])
        return Relay("registry", db, publisher, ["townships"],
                     public=PublicStream("registry", db, keyring, 0.1)), publisher
    first, publisher = relay()
    envelopes = [e for doc in first.pending_documents("townships") for e in carried(doc)]
    outcome = first._publish(envelopes, first.public.copies(envelopes))
    assert len(outcome.confirmed) == 1 and outcome.returned  # domain: nobody subscribes
    publisher.close()   # ...and "crash" before event_log and the clear
    assert db[EVENT_LOG].count_documents({}) == 0

    second, publisher = relay()
    assert second.relay_carrier("townships") == 1
    publisher.close()
    logged = db[EVENT_LOG].find_one({"_id": event["id"]})
    assert logged["public"] == {"minzheng": 7}
    copies = drain(amqp_uri, bureau_queue("minzheng"))
    assert [i for i, _ in copies] == [keyring.public_id("minzheng", event["id"])] * 2
    assert copies[0][1] == copies[1][1] and copies[0][1]["data"]["name"] == "花明楼镇"
