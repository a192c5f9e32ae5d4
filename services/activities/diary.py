"""Growth diary (成长日记): dated entries per child by the mentor about study, mood,
behaviour and health. Edits keep history; deletion is soft, with a reason. An entry by
someone who was not the child's mentor or proxy parent that day is accepted and flagged."""
from pymongo.errors import DuplicateKeyError

from activities import domain, projection, storage
from activities.domain import Problems, iso_day
from carekit.contracts.activities import DIARY_TOPICS
from carekit.errors import Conflict, NotFound

EDITABLE = ("entry_date",) + DIARY_TOPICS
BOOLEANS = ("flagged", "deleted")


def _topics(fields):
    return [topic for topic in DIARY_TOPICS if (fields.get(topic) or "").strip()]


def _check(db, problems, fields, by_id, child, current):
    author = projection.person(db, by_id)
    if author is None:
        problems.add("by_id", "unknown_person", "找不到该教师或志愿者（信息可能尚未同步）")
    domain.check_day(problems, "entry_date", domain.parse_day(fields["entry_date"]), child,
                     current)
    if not _topics(fields):
        problems.add("study", "empty_entry", "学习、情绪、行为、健康至少写一项")
    return author


def _role(db, child_id, by_id, day, author):
    role = domain.author_role(projection.pairings_of(db, child_id), by_id, iso_day(day))
    flags = domain.flags_for(role, author)
    return {"by_role": role, "flagged": bool(flags), "flag_reasons": flags}


def _public(doc, **extra):
    return dict({"entry_id": doc["_id"], "child_id": doc["child_id"],
                 "school_id": doc["school_id"], "class_id": doc.get("class_id"),
                 "by_id": doc["by_id"], "by_role": doc["by_role"],
                 "flagged": bool(doc["flagged"]), "entry_date": doc["entry_date"],
                 "topics": doc["topics"]}, **extra)


def add(db, outbox, data):
    current = domain.now()
    problems = Problems()
    child = projection.child(db, data["child_id"])
    if child is None:
        problems.add("child_id", "unknown_child", "找不到该儿童（档案可能尚未同步）")
        problems.raise_if_any()
    fields = {name: data.get(name) for name in EDITABLE}
    fields["entry_date"] = iso_day(data["entry_date"])
    author = _check(db, problems, fields, data["by_id"], child, current)
    problems.raise_if_any()
    doc = dict(fields, **_role(db, child["_id"], data["by_id"], fields["entry_date"], author))
    doc.update({"_id": domain.new_id("gd", data["entry_id"]), "child_id": child["_id"],
                "school_id": child["school_id"], "class_id": child.get("class_id"),
                "by_id": data["by_id"], "topics": _topics(fields),
                "at": domain.day_start(data["entry_date"]), "revision": 1,
                "created_at": domain.stamp(current), "deleted": False, "history": {}})
    event = outbox.event("DiaryEntryAdded", _public(doc), subject=doc["child_id"])
    try:
        outbox.insert(storage.DIARY_ENTRIES, doc, [event])
    except DuplicateKeyError:
        stored = db[storage.DIARY_ENTRIES].find_one({"_id": doc["_id"]})
        if not stored or (stored["child_id"], stored["entry_date"]) != (doc["child_id"],
                                                                       doc["entry_date"]):
            raise Conflict("该日记编号已被另一篇日记使用", code="duplicate_id")
        return diary_view(stored)
    return diary_view(doc)


def _load(db, entry_id):
    doc = db[storage.DIARY_ENTRIES].find_one({"_id": entry_id})
    if doc is None:
        raise NotFound("找不到该成长日记", entry_id=entry_id)
    return doc


def revise(db, outbox, data):
    current = domain.now()
    doc = _load(db, data["entry_id"])
    if doc.get("deleted"):
        raise Conflict("日记已删除，不能修改", code="deleted")
    if doc["revision"] != data["revision"]:
        raise Conflict("日记已被他人修改，请刷新后再改", code="stale_revision",
                       current_revision=doc["revision"])
    before = {name: doc.get(name) for name in EDITABLE}
    fields = dict(before, **{k: v for k, v in data["changes"].items() if k in EDITABLE})
    fields["entry_date"] = iso_day(fields["entry_date"])
    changed = [name for name in EDITABLE if fields[name] != before[name]]
    if not changed:
        return diary_view(doc)
    problems = Problems()
    author = _check(db, problems, fields, doc["by_id"],
                    projection.child(db, doc["child_id"]) or {}, current)
    problems.raise_if_any()
    revision = doc["revision"]
    updated = dict(doc, **fields)
    updated.update(_role(db, doc["child_id"], doc["by_id"], fields["entry_date"], author),
                   topics=_topics(fields), at=domain.day_start(
                       domain.parse_day(fields["entry_date"])),
                   revision=revision + 1, updated_at=domain.stamp(current),
                   updated_by=data["edited_by"])
    change = {name: updated[name] for name in EDITABLE + (
        "by_role", "flagged", "flag_reasons", "topics", "at", "revision", "updated_at",
        "updated_by")}
    change[storage.history_key(revision)] = dict(
        before, revision=revision, topics=doc["topics"], replaced_at=domain.stamp(current),
        replaced_by=data["edited_by"])
    event = outbox.event("DiaryEntryRevised", _public(
        updated, revision=revision + 1, changed_fields=changed), subject=doc["child_id"])
    result = outbox.update(storage.DIARY_ENTRIES,
                           {"_id": doc["_id"], "revision": revision, "deleted": {"$ne": True}},
                           {"$set": change}, [event])
    if not result.matched_count:
        raise Conflict("日记已被他人修改，请刷新后再改", code="stale_revision")
    return diary_view(updated)


def delete(db, outbox, data):
    current = domain.now()
    doc = _load(db, data["entry_id"])
    if doc.get("deleted"):
        return diary_view(doc)
    event = outbox.event("DiaryEntryDeleted", {
        "entry_id": doc["_id"], "child_id": doc["child_id"], "school_id": doc["school_id"],
        "deleted_by": data["deleted_by"], "reason_code": data["reason_code"]},
        subject=doc["child_id"])
    change = {"deleted": True, "deleted_at": domain.stamp(current),
              "deleted_by": data["deleted_by"],
              "delete_reason_code": data["reason_code"], "delete_reason": data.get("reason"),
              "revision": doc["revision"] + 1}
    result = outbox.update(storage.DIARY_ENTRIES,
                           {"_id": doc["_id"], "revision": doc["revision"]},
                           {"$set": change}, [event])
    if not result.matched_count:
        raise Conflict("日记已被他人修改，请刷新后再试", code="stale_revision")
    return diary_view(dict(doc, **change))


def diary_view(doc, with_history=False):
    out = storage.view(doc, booleans=BOOLEANS)
    out["topic_labels"] = [domain.DIARY_TOPIC_LABELS[t] for t in doc.get("topics") or []]
    out["by_role_label"] = domain.BY_ROLE_LABELS[doc["by_role"]]
    out["flag_labels"] = [domain.FLAG_LABELS[f] for f in doc.get("flag_reasons") or []]
    if with_history:
        out["history"] = storage.history_of(doc)
    return out


def get(db, entry_id, with_history=False):
    return diary_view(_load(db, entry_id), with_history)
