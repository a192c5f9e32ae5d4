"""Projection helpers: order-tolerant state, and effects applied once per event."""
import eventlet

from carekit.events.projection import apply_once, upsert_if_newer


def test_apply_once_applies_each_event_once(mongo_client, make_config):
    counts = mongo_client[make_config("reporting")["MONGO_DATABASE"]].counts
    assert apply_once(counts, "school-1", "e-1", {"$inc": {"visits": 1}})
    assert not apply_once(counts, "school-1", "e-1", {"$inc": {"visits": 1}})  # a re-run
    assert apply_once(counts, "school-1", "e-2", {"$inc": {"visits": 1}})
    assert counts.find_one({"_id": "school-1"})["visits"] == 2


def test_apply_once_concurrent_first_events_on_a_new_document_all_count(mongo_client,
                                                                         make_config):
    counts = mongo_client[make_config("reporting")["MONGO_DATABASE"]].counts
    pool = eventlet.GreenPool()
    results = list(pool.imap(lambda i: apply_once(counts, "new", "ev-{}".format(i),
                                                  {"$inc": {"n": 1}}), range(10)))
    assert results == [True] * 10
    assert counts.find_one({"_id": "new"})["n"] == 10


def test_upsert_if_newer_keeps_the_newest(mongo_client, make_config):
    children = mongo_client[make_config("reporting")["MONGO_DATABASE"]].children
    assert upsert_if_newer(children, "c1", 2, {"name": "二"})
    assert not upsert_if_newer(children, "c1", 1, {"name": "一"})  # late, older
    assert not upsert_if_newer(children, "c1", 2, {"name": "二"})  # repeated
    assert upsert_if_newer(children, "c1", 3, {"name": "三"})
    assert children.find_one({"_id": "c1"})["name"] == "三"
