"""Reading what was sent: a recipient's inbox (list, unread count, mark read) and the
delivery log by recipient or by child, newest first, paged with an opaque cursor."""
import base64
import json
import time

from carekit.documents import NO_OUTBOX
from carekit.errors import ValidationFailed
from notifications import storage as st
from notifications.clock import CHINA, from_epoch
from notifications.settings import recipient_key


def _cursor_filter(cursor):
    if not cursor:
        return {}
    try:
        at, last_id = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
        at = float(at)
        last_id = str(last_id)
    except (ValueError, TypeError):
        raise ValidationFailed.single("cursor", "bad_cursor", "翻页标记无效，请从第一页重新查询")
    return {"$or": [{"created_at": {"$lt": at}}, {"created_at": at, "_id": {"$lt": last_id}}]}


def _page(collection, query, page, view):
    query = dict(query, **_cursor_filter(page.get("cursor")))
    docs = list(collection.find(query, NO_OUTBOX).sort(
        [("created_at", -1), ("_id", -1)]).limit(page["limit"] + 1))
    more = len(docs) > page["limit"]
    docs = docs[:page["limit"]]
    cursor = base64.urlsafe_b64encode(json.dumps(
        [docs[-1]["created_at"], docs[-1]["_id"]]).encode()).decode() if more else None
    return {"items": [view(d) for d in docs], "next_cursor": cursor}


def _when(seconds):
    """UTC text for programs, and the China time people read."""
    if seconds is None:
        return None, None
    moment = from_epoch(seconds)
    return (moment.isoformat(timespec="seconds"),
            moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"))


# -- inbox ------------------------------------------------------------------------------------------
def _inbox_view(doc):
    created, created_local = _when(doc.get("created_at"))
    return {"id": doc["_id"], "rule": doc.get("rule"), "title": doc.get("title"),
            "body": doc.get("body"), "child_id": doc.get("child_id"), "created_at": created,
            "created_at_china": created_local, "read": bool(doc.get("read"))}


def inbox(db, data):
    query = {"recipient_key": recipient_key(data)}
    if data["unread_only"]:
        query["read"] = False  # a boolean, not read_at: None (the stand-in's null matching)
    page = _page(db[st.INBOX], query, data, _inbox_view)
    page["unread"] = unread_count(db, data)
    return page


def unread_count(db, data):
    return db[st.INBOX].count_documents({"recipient_key": recipient_key(data), "read": False})


def mark_read(db, data):
    query = {"recipient_key": recipient_key(data), "read": False}
    if not data["all"]:
        query["_id"] = {"$in": list(data["notification_ids"])}
    changed = db[st.INBOX].update_many(query, {"$set": {"read": True, "read_at": time.time()}}).modified_count
    return {"marked": changed, "unread": unread_count(db, data)}


# -- delivery log ------------------------------------------------------------------------------------
def _delivery_view(doc):
    created, created_local = _when(doc.get("created_at"))
    due, _ = _when(doc.get("due_at"))
    deliveries = {}
    for channel, state in (doc.get("deliveries") or {}).items():
        deliveries[channel] = {
            "status": state.get("status"), "attempts": state.get("attempts", 0),
            "error": state.get("error") or state.get("reason"),
            "sent_at": _when(state.get("sent_at"))[0],
            "held_until": _when(state.get("held_until"))[0],
            "next_try_at": _when(state.get("retry_at"))[0]}
    return {"id": doc["_id"], "rule": doc["rule"], "level": doc.get("level", 0),
            "recipient": doc["recipient"], "child_id": doc.get("child_id"),
            "school_id": doc.get("school_id"), "status": doc.get("status"),
            "created_at": created, "created_at_china": created_local, "due_at": due,
            "deliveries": deliveries}


def delivery_log(db, data):
    if data.get("child_id"):
        query = {"child_id": data["child_id"]}
    else:
        query = {"recipient_key": recipient_key(data)}
    return _page(db[st.NOTIFICATIONS], query, data, _delivery_view)
