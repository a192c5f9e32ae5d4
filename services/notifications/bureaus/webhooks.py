"""What the county's administrator does with bureau webhooks (the RPCs' work, on validated
input): register or remove an endpoint, list them, page through and requeue parked
deliveries."""
import time

from carekit.bureaus.signing import bureau_secret
from carekit.errors import NotFound
from notifications.bureaus import storage


def register(db, hooks, data):
    """Serve `bureau` by webhooks at `url`; answers its signing secret (tell it once)."""
    storage.save_webhook(db, data)
    return {"bureau": data["bureau"], "url": data["url"],
            "secret": bureau_secret(hooks.signing_key, data["bureau"], data["generation"])}


def remove(db, data):
    return {"bureau": data["bureau"], "removed": storage.remove_webhook(db, data["bureau"])}


def listing(db):
    """Every webhook bureau: endpoint, whether active, deliveries parked."""
    parked = storage.parked_counts(db)
    return [{"bureau": doc["_id"], "url": doc["url"], "active": bool(doc["active"]),
             "generation": int(doc["generation"]), "parked": parked.get(doc["_id"], 0)}
            for doc in storage.webhooks(db)]


def parked_page(db, data):
    """A page of one bureau's parked deliveries, oldest first: {"items", "next"}."""
    docs = storage.parked_page(db, data["bureau"], data["after"], data["limit"])
    return {"items": [{"event_id": d["event_id"], "error": d["error"],
                       "attempts": d["attempts"],
                       "parked_at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                  time.gmtime(d["parked_at"]))}
                      for d in docs],
            "next": docs[-1]["key"] if len(docs) == data["limit"] else None}


def requeue(db, hooks, data):
    """Send parked deliveries of a bureau (all, or these event ids) again: published back
    into its queue (confirmed), then unparked."""
    docs = storage.parked(db, data["bureau"], data["ids"])
    if data["ids"] and not docs:
        raise NotFound()
    if docs:
        hooks.requeue([(d["bureau"], d["event_id"], d["body"]) for d in docs])
        storage.unpark(db, [d["_id"] for d in docs])
    return {"bureau": data["bureau"], "requeued": len(docs)}
