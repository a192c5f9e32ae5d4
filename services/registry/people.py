"""Staff (teachers, head teachers, school admins) and volunteers (代理家长)."""
import uuid

from carekit.errors import Conflict, ValidationFailed
from registry import storage as st
from registry.children import known_school, record_reveal, require_reason
from registry.pii import mask_phone
from registry.views import plain, view


def _check_classes(ctx, class_ids, school_id):
    if not class_ids:
        return
    found = ctx.db[st.CLASSES].count_documents({"_id": {"$in": list(class_ids)},
                                                "school_id": school_id})
    if found != len(set(class_ids)):
        raise ValidationFailed.single("class_ids", "unknown_class", "任教班级不存在或不属于本校")


def _head_classes(ctx, staff_id):
    return sorted(d["_id"] for d in ctx.db[st.CLASSES].find({"head_teacher_id": staff_id},
                                                            {"_id": 1}))


def _staff_facts(ctx, doc):
    return {"staff_id": doc["_id"], "version": doc["version"], "school_id": doc["school_id"],
            "township_id": doc["township_id"], "name": doc["name"], "gender": doc.get("gender"),
            "roles": list(doc["roles"]), "head_teacher_class_ids": _head_classes(ctx, doc["_id"]),
            "class_ids": list(doc.get("class_ids") or []), "subject": doc.get("subject"),
            "active": bool(doc["active"])}


def person_view(ctx, doc, reveal=False):
    out = view(doc, drop=("phone",))
    phone = ctx.vault.open(doc.get("phone"))
    out["phone"] = phone if reveal else mask_phone(phone)
    out["active"] = bool(doc.get("active"))
    return out


def register_staff(ctx, data):
    school = known_school(ctx, data["school_id"])
    _check_classes(ctx, data.get("class_ids"), school["_id"])
    now = ctx.now()
    doc = dict(data, _id=uuid.uuid4().hex, township_id=school["township_id"],
               phone=ctx.vault.seal(data.get("phone")), active=True, version=1,
               joined_at=now, updated_at=now)
    event = ctx.outbox.event("StaffRegistered", _staff_facts(ctx, doc), subject=doc["_id"])
    ctx.outbox.insert(st.STAFF, doc, [event])
    return person_view(ctx, doc)


def update_staff(ctx, staff_id, changes):
    doc = ctx.get(st.STAFF, staff_id, "找不到该教职工")
    if not doc.get("active"):
        raise Conflict(code="staff_inactive", message="该教职工已离职，不能修改")
    _check_classes(ctx, changes.get("class_ids"), doc["school_id"])
    old_phone = ctx.vault.open(doc.get("phone"))
    changed = {k: v for k, v in changes.items()
               if (old_phone if k == "phone" else doc.get(k)) != v}
    if not changed:
        return person_view(ctx, doc)
    stored = dict(changed)
    if "phone" in stored:
        stored["phone"] = ctx.vault.seal(stored["phone"])
    updated = dict(doc, **stored, version=doc["version"] + 1)
    event = ctx.outbox.event("StaffUpdated", dict(_staff_facts(ctx, updated),
                                                  changed_fields=sorted(changed)),
                             subject=staff_id)
    result = ctx.outbox.update(st.STAFF, {"_id": staff_id, "version": doc["version"]},
                               {"$set": dict(stored, version=updated["version"],
                                             updated_at=ctx.now())}, [event])
    if not result.matched_count:
        raise Conflict(code="stale_version", message="教职工信息刚被他人修改，请刷新后重试")
    return person_view(ctx, updated)


def staff_left(ctx, staff_id, data, release_class):
    """Mark a staff member as gone; then each class they headed loses its head teacher
    (`release_class(class_id)`, a ClassUpdated of its own)."""
    doc = ctx.get(st.STAFF, staff_id, "找不到该教职工")
    if not doc.get("active"):
        raise Conflict(code="already_left", message="该教职工已登记离职")
    updated = dict(doc, active=False, version=doc["version"] + 1,
                   left_on=plain(data["left_on"]), left_reason=data.get("reason"))
    event = ctx.outbox.event("StaffLeft", dict(_staff_facts(ctx, updated),
                                               left_on=data["left_on"],
                                               reason=data.get("reason")), subject=staff_id)
    result = ctx.outbox.update(st.STAFF, {"_id": staff_id, "version": doc["version"]},
                               {"$set": {"active": False, "version": updated["version"],
                                         "left_on": updated["left_on"],
                                         "left_reason": data.get("reason"),
                                         "updated_at": ctx.now()}}, [event])
    if not result.matched_count:
        raise Conflict(code="stale_version", message="教职工信息刚被他人修改，请刷新后重试")
    for class_id in _head_classes(ctx, staff_id):
        release_class(class_id)
    return person_view(ctx, updated)


def get_person(ctx, collection, person_id, request, kind):
    doc = ctx.get(collection, person_id, "找不到该人员")
    if request.get("reveal"):
        record_reveal(ctx, kind, person_id, require_reason(request), "view", ["phone"])
        return person_view(ctx, doc, reveal=True)
    return person_view(ctx, doc)


def list_people(ctx, collection, school_id, active=None):
    query = {"school_id": school_id}
    docs = ctx.db[collection].find(query, st.NO_OUTBOX).sort("name", 1)
    people = [person_view(ctx, d) for d in docs]
    return [p for p in people if active is None or p["active"] == bool(active)]


# -- volunteers ------------------------------------------------------------------------------------
def _volunteer_facts(doc):
    return {"volunteer_id": doc["_id"], "version": doc["version"], "name": doc["name"],
            "kind": doc["kind"], "school_id": doc["school_id"],
            "township_id": doc["township_id"], "village": doc.get("village"),
            "active": bool(doc["active"])}


def register_volunteer(ctx, data):
    school = known_school(ctx, data["school_id"])
    now = ctx.now()
    doc = dict(data, _id=uuid.uuid4().hex, township_id=school["township_id"],
               phone=ctx.vault.seal(data.get("phone")), active=True, version=1,
               joined_at=now, updated_at=now)
    event = ctx.outbox.event("VolunteerRegistered", _volunteer_facts(doc), subject=doc["_id"])
    ctx.outbox.insert(st.VOLUNTEERS, doc, [event])
    return person_view(ctx, doc)


def volunteer_left(ctx, volunteer_id, data):
    doc = ctx.get(st.VOLUNTEERS, volunteer_id, "找不到该志愿者")
    if not doc.get("active"):
        raise Conflict(code="already_left", message="该志愿者已登记不再服务")
    updated = dict(doc, active=False, version=doc["version"] + 1, left_on=plain(data["left_on"]))
    event = ctx.outbox.event("VolunteerLeft", dict(_volunteer_facts(updated),
                                                   left_on=data["left_on"],
                                                   reason=data.get("reason")),
                             subject=volunteer_id)
    result = ctx.outbox.update(st.VOLUNTEERS, {"_id": volunteer_id, "version": doc["version"]},
                               {"$set": {"active": False, "version": updated["version"],
                                         "left_on": updated["left_on"],
                                         "left_reason": data.get("reason"),
                                         "updated_at": ctx.now()}}, [event])
    if not result.matched_count:
        raise Conflict(code="stale_version", message="志愿者信息刚被他人修改，请刷新后重试")
    return person_view(ctx, updated)
