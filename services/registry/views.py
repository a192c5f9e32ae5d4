"""Stored documents -> what an RPC returns: `id` instead of `_id`, no outbox, JSON-ready."""
from datetime import date, datetime


def plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def view(doc, drop=()):
    if doc is None:
        return None
    out = {"id": doc["_id"]}
    for key, value in doc.items():
        if key == "_id" or key.startswith("_outbox") or key in drop:
            continue
        out[key] = plain(value)
    return out
