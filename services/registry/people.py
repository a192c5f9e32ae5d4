"""Staff (teachers, head teachers, school admins) and volunteers (代理家长)."""
import uuid

from carekit.errors import Conflict, ValidationFailed
from carekit.paging import page
from registry import storage as st
from registry.children import known_school, record_reveal, require_reason
from registry.pii import mask_phone
from registry.views import plain, view


_STAFF_NOT_FOUND = "找不到该教职工"
_STAFF_STALE = "教职工信息刚被他人修改，请刷新后重试"


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


def _register(ctx, collection, data, school, event_name, facts):
    now = ctx.now()
    doc = dict(data, _id=uuid.uuid4().hex, township_id=school["township_id"],
               phone=ctx.vault.seal(data.get("phone")), active=True, version=1,
               joined_at=now, updated_at=now)
    event = ctx.event(event_name, facts(ctx, doc), subject=doc["_id"])
    ctx.outbox.insert(collection, doc, [event])
    return person_view(ctx, doc)


def _leave(ctx, collection, person_id, data, event_name, facts, texts):
    """Mark a person as gone (LeaveInput `data`); `texts`: the not-found, already-left and
    stale-version messages. Returns the updated document."""
    not_found, already_left, stale = texts
    doc = ctx.get(collection, person_id, not_found)
    if not doc.get("active"):
        raise Conflict(code="already_left", message=already_left)
    left = {"active": False, "left_on": plain(data["left_on"]), "left_reason": data.get("reason")}
    return ctx.save_version(collection, doc, left, event_name,
                            lambda updated: dict(facts(ctx, updated), left_on=data["left_on"],
                                                 reason=data.get("reason")), stale)


def register_staff(ctx, data):
    school = known_school(ctx, data["school_id"])
    _check_classes(ctx, data.get("class_ids"), school["_id"])
    return _register(ctx, st.STAFF, data, school, "StaffRegistered", _staff_facts)


def update_staff(ctx, staff_id, changes):
    doc = ctx.get(st.STAFF, staff_id, _STAFF_NOT_FOUND)
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
    updated = ctx.save_version(st.STAFF, doc, stored, "StaffUpdated",
                               lambda updated: dict(_staff_facts(ctx, updated),
                                                    changed_fields=sorted(changed)),
                               _STAFF_STALE)
    return person_view(ctx, updated)


def staff_left(ctx, staff_id, data, release_class):
    """Mark a staff member as gone; then each class they headed loses its head teacher
    (`release_class(class_id)`, a ClassUpdated of its own)."""
    updated = _leave(ctx, st.STAFF, staff_id, data, "StaffLeft", _staff_facts,
                     (_STAFF_NOT_FOUND, "该教职工已登记离职", _STAFF_STALE))
    for class_id in _head_classes(ctx, staff_id):
        release_class(class_id)
    return person_view(ctx, updated)


def get_person(ctx, collection, person_id, request, kind):
    doc = ctx.get(collection, person_id, "找不到该人员")
    if request.get("reveal"):
        record_reveal(ctx, kind, person_id, require_reason(request), "view", ["phone"])
        return person_view(ctx, doc, reveal=True)
    return person_view(ctx, doc)


def list_people(ctx, collection, query):
    """One page of a school's staff or volunteers (phones masked), by name."""
    active = query.get("active")
    docs = [d for d in ctx.db[collection].find({"school_id": query["school_id"]}, st.NO_OUTBOX)
            if active is None or bool(d.get("active")) == active]
    found = page(docs, lambda d: (d.get("name") or "", d["_id"]), (str, str), query["cursor"],
                 query["limit"])
    found["items"] = [person_view(ctx, d) for d in found["items"]]
    return found


# -- volunteers ------------------------------------------------------------------------------------
def _volunteer_facts(ctx, doc):
    return {"volunteer_id": doc["_id"], "version": doc["version"], "name": doc["name"],
            "kind": doc["kind"], "school_id": doc["school_id"],
            "township_id": doc["township_id"], "village": doc.get("village"),
            "active": bool(doc["active"])}


def register_volunteer(ctx, data):
    school = known_school(ctx, data["school_id"])
    return _register(ctx, st.VOLUNTEERS, data, school, "VolunteerRegistered", _volunteer_facts)


def volunteer_left(ctx, volunteer_id, data):
    updated = _leave(ctx, st.VOLUNTEERS, volunteer_id, data, "VolunteerLeft", _volunteer_facts,
                     ("找不到该志愿者", "该志愿者已登记不再服务", "志愿者信息刚被他人修改，请刷新后重试"))
    # the reason is stored, but this reply has never carried it
    return person_view(ctx, {k: v for k, v in updated.items() if k != "left_reason"})
