"""Registry events reach a subscriber over the real broker, which can keep its projection
from the v2 events the registry publishes and from v1 events of before alike."""
from carekit.events.bus import ConfirmingPublisher, Outgoing
from carekit.events.envelope import CONTENT_TYPE, encode, new_envelope
from carekit.testing.plugin import wait_for
from registry.service import RegistryService
from registry.tests.helpers import child_payload
from registry.tests.listener import ChildListener


def test_a_subscriber_keeps_its_projection_from_registry_events(
        run_service, rpc, make_config, mongo_client):
    # the registry must know the subscriber's queues before it publishes (kit topology)
    config = make_config("registry", SUBSCRIBER_MODULES="registry.tests.listener")
    run_service(RegistryService, config)
    listener_config = make_config("pairing")
    run_service(ChildListener, listener_config)
    seen = mongo_client[listener_config["MONGO_DATABASE"]]
    with rpc(config) as proxy:
        registry = proxy.registry
        c = registry.create_county({"code": "1", "name": "县"})
        t = registry.create_township({"county_id": c["id"], "code": "1", "name": "镇"})
        s1 = registry.register_school({"township_id": t["id"], "code": "1", "name": "一小"})
        s2 = registry.register_school({"township_id": t["id"], "code": "2", "name": "二小"})
        k1 = registry.create_class({"school_id": s1["id"], "grade": 2, "number": 1})
        k2 = registry.create_class({"school_id": s2["id"], "grade": 2, "number": 3})
        county = {"schools": [s1, s2], "classes": [k1, k2]}
        child = registry.register_child(child_payload(county))
        registry.update_child(child["id"], {"left_behind_type": "both_parents_away"})
        registry.transfer_child(child["id"], {"to_school_id": s2["id"], "to_class_id": k2["id"]})
    wait_for(lambda: seen.seen.count_documents({}) == 3, message="three events handled")
    kept = seen.children.find_one({"_id": child["id"]})
    assert (kept["version"], kept["school_id"], kept["class_number"], kept["left_behind_type"]) \
        == (3, s2["id"], 3, "both_parents_away")
    assert {d["contract"] for d in seen.seen.find({})} == {2}

    # an event of before (v1: no guardian situation, no 流动留守), e.g. from a replayed log
    old = dict(kept, child_id="c-old", version=1, name="王小二", gender="male",
               birth_date="2015-03-02", township_id="t", household_id="h", registered_on="2020-09-01")
    old.pop("_id")
    envelope = new_envelope("registry", "ChildRegistered", old, version=1, subject="c-old")
    publisher = ConfirmingPublisher(config["AMQP_URI"])
    try:
        outcome = publisher.publish([Outgoing(envelope["id"], "registry.events", "ChildRegistered",
                                              encode(envelope), CONTENT_TYPE)])
        assert outcome.confirmed == [envelope["id"]]
    finally:
        publisher.close()
    wait_for(lambda: seen.children.find_one({"_id": "c-old"}), message="v1 event handled")
    assert seen.seen.find_one({"contract": 1})["event"] == "ChildRegistered"
