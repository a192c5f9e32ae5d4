"""Growth diary (成长日记): dated entries per child by the mentor about study, mood,
behaviour and health. Edits keep history; deletion is soft, with a reason. An entry by
someone who was not the child's mentor or proxy parent that day is accepted and flagged."""
from activities import domain, projection, storage
from activities.domain import Problems, iso_day
from carekit.contracts.activities import DIARY_TOPICS
from carekit.errors import Conflict

EDITABLE = ("entry_date",) + DIARY_TOPICS
BOOLEANS = ("flagged", "deleted")


def _topics(fields):
    return [topic for topic in DIARY_TOPICS if (fields.get(topic) or "").strip()]


def _check(db, problems, fields, by_id, child, current):
    author = projection.check_author(db, problems, by_id)
    domain.check_day(problems, "entry_date", domain.parse_day(fields["entry_date"]), child,
                     current)
    if not _topics(fields):
        problems.add("study", "empty_entry", "学习、情绪、行为、健康至少写一项")
    return author


def _public(doc, **extra):
    return dict({"entry_id": doc["_id"], "child_id": doc["child_id"],
                 "school_id": doc["school_id"], "class_id": doc.get("class_id"),
                 "by_id": doc["by_id"], "by_role": doc["by_role"],
                 "flagged": bool(doc["flagged"]), "entry_date": doc["entry_date"],
                 "topics": doc["topics"]}, **extra)


def add(db, outbox, data):
    current = domain.now()
    child = projection.known_child(db, data["child_id"])
    fields = {name: data.get(name) for name in EDITABLE}
    fields["entry_date"] = iso_day(data["entry_date"])
    problems = Problems()
    author = _check(db, problems, fields, data["by_id"], child, current)
    problems.raise_if_any()
    doc = dict(fields, **projection.authorship(db, child["_id"], data["by_id"],
                                               fields["entry_date"], author))
    doc.update({"_id": domain.new_id("gd", data["entry_id"]), "child_id": child["_id"],
                "school_id": child["school_id"], "class_id": child.get("class_id"),
                "by_id": data["by_id"], "topics": _topics(fields),
                "at": domain.day_start(data["entry_date"]), "revision": 1,
                "created_at": domain.stamp(current), "deleted": False, "history": {}})
    event = outbox.event("DiaryEntryAdded", _public(doc), subject=doc["child_id"])
    return diary_view(storage.insert_once(
        db, outbox, storage.DIARY_ENTRIES, doc, [event],
        lambda d: (d["child_id"], d["entry_date"]), "该日记编号已被另一篇日记使用"))


def _load(db, entry_id):
    return storage.load(db, storage.DIARY_ENTRIES, "找不到该成长日记", entry_id=entry_id)


def revise(db, outbox, data):
    current = domain.now()
    doc = _load(db, data["entry_id"])
    storage.check_editable(doc, "日记", data["revision"])
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
    updated.update(projection.authorship(db, doc["child_id"], doc["by_id"],
                                         fields["entry_date"], author),
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
        "entry_date": doc["entry_date"], "revision": doc["revision"] + 1,
        "deleted_by": data["deleted_by"], "reason_code": data["reason_code"]},
        subject=doc["child_id"], version=2)
    change = storage.withdrawal(data, domain.stamp(current), doc["revision"] + 1)
    result = outbox.update(storage.DIARY_ENTRIES,
                           {"_id": doc["_id"], "revision": doc["revision"]},
                           {"$set": change}, [event])
    if not result.matched_count:
        raise Conflict("日记已被他人修改，请刷新后再试", code="stale_revision")
    return diary_view(dict(doc, **change))


def diary_view(doc, with_history=False):
    out = dict(storage.view(doc, booleans=BOOLEANS, with_history=with_history),
               **domain.authorship_labels(doc))
    out["topic_labels"] = [domain.DIARY_TOPIC_LABELS[t] for t in doc.get("topics") or []]
    return out


def get(db, entry_id, with_history=False):
    return diary_view(_load(db, entry_id), with_history)
