"""carekit.lease on the real driver: claims never overlap, expire, and guard writes."""
import time

import eventlet

from carekit import lease


def _seed(collection, n):
    collection.insert_many([lease.claimable({"_id": "d{}".format(i), "due": 0})
                            for i in range(n)])


def test_concurrent_claims_never_share_a_document(mongo_client):
    db = mongo_client["lease_{}".format(int(time.time() * 1000))]
    mongo_client.test_databases.append(db.name)
    _seed(db.items, 60)
    results = []

    def worker():
        while True:
            owner, docs = lease.claim(db.items, {"due": 0}, 7, 60, mark={"seen": True})
            if not docs:
                return
            results.append((owner, [d["_id"] for d in docs]))
            lease.release(db.items, owner, [d["_id"] for d in docs], {"due": 1})

    pool = [eventlet.spawn(worker) for _ in range(3)]
    for green in pool:
        green.wait()
    claimed = [doc_id for _, ids in results for doc_id in ids]
    assert sorted(claimed) == sorted("d{}".format(i) for i in range(60))  # each exactly once
    assert db.items.count_documents({"due": 1, "lease_until": lease.FREE}) == 60


def test_an_expired_lease_can_be_taken_and_the_old_owner_can_no_longer_write(mongo_client):
    db = mongo_client["lease_{}".format(int(time.time() * 1000))]
    mongo_client.test_databases.append(db.name)
    _seed(db.items, 1)
    first, [doc] = lease.claim(db.items, {"due": 0}, 10, 0.2)
    assert lease.claim(db.items, {"due": 0}, 10, 60)[1] == []  # held
    time.sleep(0.3)
    second, [again] = lease.claim(db.items, {"due": 0}, 10, 60)
    assert again["_id"] == doc["_id"] and second != first
    assert db.items.update_one(lease.still_mine(db.items, first, doc["_id"]),
                               {"$set": {"x": 1}}).matched_count == 0
    assert lease.release(db.items, first, [doc["_id"]], {"due": 1}) == 0
    assert not lease.renew(db.items, first, doc["_id"], 60)
    assert lease.renew(db.items, second, doc["_id"], 60)
    assert lease.release(db.items, second, [doc["_id"]], {"due": 1}) == 1
