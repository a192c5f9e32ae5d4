"""Re-sealing every stored ID number, phone and e-mail under the first configured key.

Run after the registry restarts with the new key first in PII_ENCRYPTION_KEY (and the old ones
after it), or with a new PII_CIPHER: `python -m registry.rotate_keys`. Each document whose
sealed values are not all current is re-sealed in one write guarded by what was read (its
`version`, or the token itself), so a change the service makes meanwhile is never overwritten:
that document is simply taken again in the next pass. Nothing is kept between runs; a document
already current is only read, so the command is resumable (stop it anywhere, run it again) and
idempotent (a second run writes nothing). No event is published: the values did not change.
"""
from pymongo import UpdateOne

from registry import storage as st
from registry.contacts import EMAILS

BATCH = 200


def _child_update(doc, vault):
    sealed = [doc.get("national_id")] + [p.get("phone") for p in doc.get("parents") or []] + \
        [(doc.get("guardian") or {}).get("phone")]
    if all(vault.is_current(s) for s in sealed):
        return None
    national_id = vault.reseal(doc["national_id"])
    guardian = dict(doc.get("guardian") or {})
    return {"national_id": national_id, "national_id_hash": national_id["hash"],
            "parents": [dict(p, phone=vault.reseal(p.get("phone")))
                        for p in doc.get("parents") or []],
            "guardian": dict(guardian, phone=vault.reseal(guardian.get("phone")))}


def _field_update(field):
    def update(doc, vault):
        return None if vault.is_current(doc.get(field)) else {field: vault.reseal(doc[field])}
    return update


def _by_version(doc):
    return {"_id": doc["_id"], "version": doc.get("version")}


def _by_token(field):
    return lambda doc: {"_id": doc["_id"], field + ".enc": doc[field]["enc"]}


# collection -> (fields read, the $set of a stale document, the guard of a write)
SEALED = {
    st.CHILDREN: ({"national_id": 1, "parents": 1, "guardian": 1, "version": 1},
                  _child_update, _by_version),
    st.STAFF: ({"phone": 1, "version": 1}, _field_update("phone"), _by_version),
    st.VOLUNTEERS: ({"phone": 1, "version": 1}, _field_update("phone"), _by_version),
    EMAILS: ({"email": 1}, _field_update("email"), _by_token("email")),
}


def rotate_collection(db, collection, vault, batch=BATCH, limit=None):
    """One pass over `collection` in _id order -> {examined, resealed, changed_meanwhile}."""
    projection, update_of, guard_of = SEALED[collection]
    stats = {"examined": 0, "resealed": 0, "changed_meanwhile": 0}
    last = None
    while limit is None or stats["examined"] < limit:
        query = {"_id": {"$gt": last}} if last is not None else {}
        size = batch if limit is None else min(batch, limit - stats["examined"])
        docs = list(db[collection].find(query, projection).sort("_id", 1).limit(size))
        if not docs:
            break
        last = docs[-1]["_id"]
        stats["examined"] += len(docs)
        writes = [UpdateOne(guard_of(doc), {"$set": changes})
                  for doc, changes in ((d, update_of(d, vault)) for d in docs) if changes]
        if writes:
            result = db[collection].bulk_write(writes, ordered=False)
            stats["resealed"] += result.modified_count
            stats["changed_meanwhile"] += len(writes) - result.matched_count
    return stats


def rotate(db, vault, batch=BATCH, limit=None, passes=5):
    """Every collection, again while documents changed under a pass -> stats per collection."""
    report = {}
    for collection in SEALED:
        total = {"examined": 0, "resealed": 0, "changed_meanwhile": 0}
        for _ in range(passes):
            stats = rotate_collection(db, collection, vault, batch, limit)
            for key in total:
                total[key] += stats[key]
            if not stats["changed_meanwhile"] or limit is not None:
                break
        report[collection] = total
    return report
