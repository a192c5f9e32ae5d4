"""Stored documents -> what an RPC returns: `id` instead of `_id`, no outbox, JSON-ready."""
from carekit.documents import plain


def view(doc, drop=()):
    if doc is None:
        return None
    out = {"id": doc["_id"]}
    for key, value in doc.items():
        if key == "_id" or key.startswith("_outbox") or key in drop:
            continue
        out[key] = plain(value)
    return out
