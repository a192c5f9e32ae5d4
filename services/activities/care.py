"""Care records (one-to-one contacts): log, revise with history, soft delete, follow-ups.

A record and the events it causes are one document write (the outbox rides in the record).
A record by someone who was not the child's mentor or proxy parent on that day is accepted
and flagged for the school to look at.
"""
from activities import domain, projection, storage
from activities.domain import Problems, iso_day
from carekit.documents import plain
from carekit.errors import NotFound

EDITABLE = ("kind", "by_id", "occurred_at", "duration_minutes", "place", "notes", "wellbeing",
            "follow_ups", "aid")
BOOLEANS = ("flagged", "deleted")


# -- shaping input ---------------------------------------------------------------------------
def _aid(aid):
    if aid is None:
        return None
    return {"form": aid["form"], "amount_fen": domain.to_fen(aid.get("amount")),
            "quantity": aid.get("quantity"), "items": aid.get("items"),
            "donor_type": aid["donor_type"], "donor_name": aid.get("donor_name")}


def _follow_ups(items, previous, actor, current):
    """Normalise follow-ups; keep ids and completion stamps of ones already stored."""
    before = {f["action_id"]: f for f in previous or []}
    out = []
    for item in items or []:
        action_id = item.get("action_id") or domain.new_id("fu")
        old = before.get(action_id, {})
        done = bool(item.get("done"))
        stamped = done and bool(old.get("done"))
        out.append({"action_id": action_id, "action": item["action"],
                    "owner_id": item["owner_id"], "due_on": iso_day(item["due_on"]),
                    "done": done,
                    "done_at": (old.get("done_at") if stamped else current) if done else None,
                    "done_by": (old.get("done_by") if stamped else actor) if done else None})
    return out


def stored_fields(doc):
    """The editable fields of a stored record, normalised (the stand-in's 1/0 booleans)."""
    fields = {name: doc.get(name) for name in EDITABLE}
    fields["occurred_at"] = domain.stamp(domain.as_utc(doc["occurred_at"]))
    fields["follow_ups"] = [dict(f, done=bool(f.get("done"))) for f in doc.get("follow_ups")
                            or []]
    return fields


def _check(db, problems, fields, child, current):
    """Rules needing stored state; returns the author (staff member or volunteer)."""
    if fields["kind"] == "aid" and not fields.get("aid"):
        problems.add("aid", "required", "资助记录必须填写资助内容（资金或物资）")
    if fields["kind"] != "aid" and fields.get("aid"):
        problems.add("aid", "not_allowed", "只有资助记录才填写资助内容")
    author = projection.check_author(db, problems, fields["by_id"])
    domain.check_moment(problems, "occurred_at", fields["occurred_at"], child, current)
    for index, item in enumerate(fields.get("follow_ups") or []):
        if projection.person(db, item["owner_id"]) is None:
            problems.add("follow_ups.{}.owner_id".format(index), "unknown_person",
                         "找不到该跟进负责人")
    return author


def _role(db, child_id, fields, author):
    return projection.authorship(db, child_id, fields["by_id"],
                                 domain.local_date(fields["occurred_at"]), author)


# -- events ------------------------------------------------------------------------------------
def follow_up_summary(follow_ups):
    pending = sorted(f["due_on"] for f in follow_ups or [] if not f.get("done"))
    return {"open_follow_ups": len(pending),
            "next_follow_up_due_on": pending[0] if pending else None}


def visit_data(doc):
    summary = follow_up_summary(doc.get("follow_ups"))
    return dict(summary, **{
            "record_id": doc["_id"], "revision": doc["revision"], "child_id": doc["child_id"],
            "school_id": doc["school_id"], "class_id": doc.get("class_id"),
            "by_id": doc["by_id"], "by_role": doc["by_role"], "flagged": bool(doc["flagged"]),
            "kind": doc["kind"], "occurred_at": plain(doc["occurred_at"]),
            "duration_minutes": doc.get("duration_minutes"), "wellbeing": doc.get("wellbeing"),
            "follow_ups": [{"action_id": f["action_id"], "owner_id": f["owner_id"],
                            "due_on": f["due_on"], "done": bool(f.get("done"))}
                           for f in doc.get("follow_ups") or []]})


def aid_data(doc):
    aid = doc["aid"]
    return {"aid_id": doc["_id"], "revision": doc["revision"], "child_id": doc["child_id"],
            "school_id": doc["school_id"], "class_id": doc.get("class_id"),
            "by_id": doc["by_id"], "occurred_at": plain(doc["occurred_at"]),
            "form": aid["form"], "amount_fen": aid.get("amount_fen"),
            "quantity": aid.get("quantity"), "donor_type": aid["donor_type"]}


def _events(outbox, doc, name, **extra):
    events = [outbox.event(name, dict(visit_data(doc), **extra), subject=doc["child_id"],
                           version=2)]
    if doc["kind"] == "aid":
        events.append(outbox.event("AidDistributed", aid_data(doc), subject=doc["child_id"]))
    return events


# -- commands ----------------------------------------------------------------------------------
def log(db, outbox, data):
    current = domain.now()
    child = projection.known_child(db, data["child_id"])
    fields = {name: data.get(name) for name in EDITABLE}
    fields["occurred_at"] = domain.to_stored(data["occurred_at"])
    fields["follow_ups"] = _follow_ups(data["follow_ups"], [], data["by_id"],
                                       domain.stamp(current))
    fields["aid"] = _aid(data["aid"])
    problems = Problems()
    author = _check(db, problems, fields, child, current)
    problems.raise_if_any()
    doc = dict(fields, **_role(db, child["_id"], fields, author))
    doc.update({"_id": domain.new_id("cr", data["record_id"]),
                "child_id": child["_id"], "school_id": child["school_id"],
                "class_id": child.get("class_id"), "at": fields["occurred_at"],
                "revision": 1, "created_at": domain.stamp(current), "created_by": data["by_id"],
                "deleted": False, "history": {}})
    return care_view(storage.insert_once(
        db, outbox, storage.CARE_RECORDS, doc, _events(outbox, doc, "VisitLogged"), _same,
        "该记录编号已被另一条记录使用", record_id=doc["_id"]))


def _same(doc):
    """What makes a retried command (same client id) the same record."""
    return (doc.get("child_id"), doc.get("by_id"), doc.get("kind"),
            domain.as_utc(doc["occurred_at"]))


def _load(db, record_id):
    return storage.load(db, storage.CARE_RECORDS, "找不到该帮扶记录", record_id=record_id)


def revise(db, outbox, data):
    current = domain.now()
    doc = _load(db, data["record_id"])
    storage.check_editable(doc, "记录", data["revision"])
    before = stored_fields(doc)
    changes = data["changes"]
    fields = dict(before)
    fields.update({k: v for k, v in changes.items() if k in EDITABLE})
    if "occurred_at" in changes:
        fields["occurred_at"] = domain.to_stored(changes["occurred_at"])
    if "follow_ups" in changes:
        fields["follow_ups"] = _follow_ups(changes["follow_ups"], before["follow_ups"],
                                           data["edited_by"], domain.stamp(current))
    if "aid" in changes:
        fields["aid"] = _aid(changes["aid"])
    return _apply(db, outbox, doc, before, fields, data["edited_by"], data.get("reason"),
                  current)


def _apply(db, outbox, doc, before, fields, actor, reason, current):
    changed = [name for name in EDITABLE if fields[name] != before[name]]
    if not changed:
        return care_view(doc)
    problems = Problems()
    child = projection.child(db, doc["child_id"]) or {}
    author = _check(db, problems, fields, child, current)
    problems.raise_if_any()
    revision = doc["revision"]
    snapshot = dict(before, revision=revision, by_role=doc["by_role"],
                    flagged=bool(doc["flagged"]), flag_reasons=doc.get("flag_reasons", []),
                    replaced_at=domain.stamp(current), replaced_by=actor, reason=reason)
    updated = dict(doc, **fields)
    updated.update(_role(db, doc["child_id"], fields, author), at=fields["occurred_at"],
                   revision=revision + 1, updated_at=domain.stamp(current), updated_by=actor)
    change = {name: updated[name] for name in EDITABLE + (
        "by_role", "flagged", "flag_reasons", "at", "revision", "updated_at", "updated_by")}
    change[storage.history_key(revision)] = snapshot
    result = outbox.update(storage.CARE_RECORDS,
                           {"_id": doc["_id"], "revision": revision, "deleted": {"$ne": True}},
                           {"$set": change},
                           _events(outbox, updated, "VisitRevised", changed_fields=changed))
    if not result.matched_count:
        raise storage.stale(_load(db, doc["_id"]), "记录")
    return care_view(updated)


def complete_follow_up(db, outbox, data):
    current = domain.now()
    doc = _load(db, data["record_id"])
    storage.check_editable(doc, "记录")
    before = stored_fields(doc)
    if not any(f["action_id"] == data["action_id"] for f in before["follow_ups"]):
        raise NotFound("找不到该跟进事项", action_id=data["action_id"])
    items = [dict(f, done=True) if f["action_id"] == data["action_id"] else f
             for f in before["follow_ups"]]
    fields = dict(before, follow_ups=_follow_ups(items, before["follow_ups"], data["done_by"],
                                                 domain.stamp(current)))
    return _apply(db, outbox, doc, before, fields, data["done_by"], "follow_up_done", current)


def delete(db, outbox, data):
    current = domain.now()
    doc = _load(db, data["record_id"])
    if doc.get("deleted"):
        return care_view(doc)  # already withdrawn: nothing changes, nothing is published
    revision = doc["revision"] + 1
    event = outbox.event("VisitDeleted", {
        "record_id": doc["_id"], "revision": revision, "child_id": doc["child_id"],
        "school_id": doc["school_id"], "kind": doc["kind"],
        "occurred_at": plain(doc["occurred_at"]), "deleted_by": data["deleted_by"],
        "reason_code": data["reason_code"]}, subject=doc["child_id"])
    change = storage.withdrawal(data, domain.stamp(current), revision)
    result = outbox.update(storage.CARE_RECORDS, {"_id": doc["_id"],
                                                  "revision": doc["revision"]},
                           {"$set": change}, [event])
    if not result.matched_count:
        raise storage.stale(_load(db, doc["_id"]), "记录")
    return care_view(dict(doc, **change))


# -- reading -----------------------------------------------------------------------------------
def care_view(doc, with_history=False):
    out = dict(storage.view(doc, booleans=BOOLEANS, with_history=with_history),
               **domain.authorship_labels(doc))
    out["kind_label"] = domain.CARE_KIND_LABELS[doc["kind"]]
    out["follow_ups"] = [dict(f, done=bool(f.get("done"))) for f in out.get("follow_ups") or []]
    out.update(follow_up_summary(out["follow_ups"]))
    if out.get("aid"):
        out["aid"]["amount_yuan"] = domain.yuan(out["aid"].get("amount_fen"))
    return out


def get(db, record_id, with_history=False):
    return care_view(_load(db, record_id), with_history)
