"""Group activities (主题班队会, 节日活动, 比赛, 读书, 广播, 课后活动, 家长会, 座谈会, 研讨会/经验交流,
集体生日会, 实践活动): schedule, reschedule, cancel, take attendance per child, and the school's
activity calendar.

A theme meeting and a class birthday belong to one class (named). A class birthday names
the children celebrated (of that class) and what the class gave them; a staff seminar may
have guests (experts, leaders: their names stay here, events carry their roles only).

One document per activity holds its schedule, status, attendance and history; its events
(ActivityScheduled / ActivityCancelled / ActivityHeld) share the document's revision.
"""
from datetime import datetime, time, timedelta

from activities import domain, projection, storage
from activities.domain import Problems, iso_day
from carekit.documents import plain
from carekit.errors import Conflict

EDITABLE = ("occasion", "title", "sub_theme", "organiser_id", "place", "class_ids",
            "starts_at", "ends_at", "notes", "celebrated_child_ids", "birthday_tokens", "guests")
LISTS = ("class_ids", "celebrated_child_ids", "birthday_tokens", "guests")


def _check(db, problems, school_id, kind, fields):
    if kind in domain.OCCASIONS and fields.get("occasion") and \
            fields["occasion"] not in domain.OCCASIONS[kind]:
        problems.add("occasion", "not_allowed", "{}的类别应为：{}".format(
            domain.ACTIVITY_KIND_LABELS[kind], "、".join(domain.OCCASIONS[kind].values())))
    if kind == "theme_meeting" and not (fields.get("sub_theme") or "").strip():
        problems.add("sub_theme", "required", "主题班队会须确定一个子主题")
    if kind in domain.ONE_CLASS_KINDS and len(fields.get("class_ids") or []) != 1:
        problems.add("class_ids", "one_class", "{}以班级为单位举行，请填写一个班级".format(
            domain.ACTIVITY_KIND_LABELS[kind]))
    _check_birthday(db, problems, school_id, kind, fields)
    if fields.get("guests") and kind not in domain.GUEST_KINDS:
        problems.add("guests", "not_allowed", "只有研讨会/经验交流登记来宾")
    if fields.get("ends_at") and fields["ends_at"] <= fields["starts_at"]:  # stamps: text order
        problems.add("ends_at", "before_start", "结束时间应晚于开始时间")
    organiser = projection.person(db, fields["organiser_id"])
    if organiser is None or organiser.get("school_id") != school_id:
        problems.add("organiser_id", "unknown_person", "组织者应为本校教师或志愿者")
    known = projection.classes(db, fields.get("class_ids") or [])
    for index, class_id in enumerate(fields.get("class_ids") or []):
        if class_id not in known or known[class_id].get("school_id") != school_id:
            problems.add("class_ids.{}".format(index), "unknown_class", "该班级不属于本校")


def _check_birthday(db, problems, school_id, kind, fields):
    celebrated = fields.get("celebrated_child_ids") or []
    if kind != "class_birthday":
        for name in ("celebrated_child_ids", "birthday_tokens"):
            if fields.get(name):
                problems.add(name, "not_allowed", "只有集体生日会填写过生日的同学和礼物")
        return
    if not celebrated:
        problems.add("celebrated_child_ids", "required", "请填写过生日的同学")
    known = projection.check_children_of(db, problems, "celebrated_child_ids", celebrated,
                                         school_id)
    class_ids = fields.get("class_ids") or []
    for index, child_id in enumerate(celebrated):
        child = known.get(child_id)
        if child and child.get("school_id") == school_id and class_ids and \
                child.get("class_id") not in class_ids:
            problems.add("celebrated_child_ids.{}".format(index), "other_class",
                         "过生日的同学应是本班学生")


def _facts(doc):
    return {"activity_id": doc["_id"], "revision": doc["revision"],
            "school_id": doc["school_id"], "kind": doc["kind"], "occasion": doc.get("occasion"),
            "title": doc["title"], "sub_theme": doc.get("sub_theme"),
            "organiser_id": doc["organiser_id"], "class_ids": list(doc.get("class_ids") or []),
            "starts_at": plain(doc["starts_at"]),
            "ends_at": plain(doc.get("ends_at")),
            "celebrated_child_ids": list(doc.get("celebrated_child_ids") or []),
            "birthday_tokens": list(doc.get("birthday_tokens") or []),
            "guest_roles": [g["role"] for g in doc.get("guests") or []]}


def _stored_fields(doc):
    fields = {name: doc.get(name) for name in EDITABLE}
    fields["starts_at"] = domain.stamp(domain.as_utc(doc["starts_at"]))
    fields["ends_at"] = domain.stamp(domain.as_utc(doc["ends_at"])) if doc.get("ends_at") \
        else None
    for name in LISTS:
        fields[name] = list(doc.get(name) or [])
    return fields


def schedule(db, outbox, data):
    current = domain.now()
    projection.known_school(db, data["school_id"])
    fields = {name: data.get(name) for name in EDITABLE}
    for name in LISTS:
        fields[name] = list(fields[name] or [])
    fields["starts_at"] = domain.to_stored(data["starts_at"])
    fields["ends_at"] = domain.to_stored(data["ends_at"]) if data.get("ends_at") else None
    problems = Problems()
    if data["kind"] in domain.RETIRED_KINDS:
        problems.add("kind", "retired", domain.RETIRED_KINDS[data["kind"]])
    _check(db, problems, data["school_id"], data["kind"], fields)
    problems.raise_if_any()
    doc = dict(fields, _id=domain.new_id("ga", data["activity_id"]),
               school_id=data["school_id"], kind=data["kind"], at=fields["starts_at"],
               status="scheduled", revision=1, created_at=domain.stamp(current),
               created_by=data["scheduled_by"], attendance=[], present_child_ids=[],
               history={})
    event = outbox.event("ActivityScheduled", _facts(doc), subject=doc["_id"], version=2)
    return activity_view(storage.insert_once(
        db, outbox, storage.GROUP_ACTIVITIES, doc, [event],
        lambda d: (d["school_id"], d["kind"], d["title"]), "该活动编号已被另一项活动使用"))


def _load(db, activity_id):
    return storage.load(db, storage.GROUP_ACTIVITIES, "找不到该活动", activity_id=activity_id)


def _write(db, outbox, doc, change, event, history_entry):
    """Conditional on the revision read: a concurrent change makes this a Conflict."""
    change = dict(change, revision=doc["revision"] + 1)
    change[storage.history_key(doc["revision"])] = dict(history_entry,
                                                        revision=doc["revision"])
    result = outbox.update(storage.GROUP_ACTIVITIES,
                           {"_id": doc["_id"], "revision": doc["revision"]},
                           {"$set": change}, [event])
    if not result.matched_count:
        raise storage.stale(_load(db, doc["_id"]), "活动")
    return activity_view(dict(doc, **change))


def reschedule(db, outbox, data):
    current = domain.now()
    doc = _load(db, data["activity_id"])
    if doc["revision"] != data["revision"]:
        raise storage.stale(doc, "活动")
    if doc["status"] != "scheduled":
        raise Conflict("活动{}，不能再改安排".format(domain.ACTIVITY_STATUS_LABELS[doc["status"]]),
                       code="not_scheduled")
    before = _stored_fields(doc)
    fields = dict(before, **{k: v for k, v in data["changes"].items() if k in EDITABLE})
    for name in ("starts_at", "ends_at"):
        if data["changes"].get(name):  # (what was not changed is stored text already)
            fields[name] = domain.to_stored(fields[name])
    changed = [name for name in EDITABLE if fields[name] != before[name]]
    if not changed:
        return activity_view(doc)
    problems = Problems()
    _check(db, problems, doc["school_id"], doc["kind"], fields)
    problems.raise_if_any()
    updated = dict(doc, **fields)
    updated.update(at=fields["starts_at"], revision=doc["revision"] + 1)
    event = outbox.event("ActivityScheduled", _facts(updated), subject=doc["_id"], version=2)
    change = dict(fields, at=fields["starts_at"], updated_at=domain.stamp(current),
                  updated_by=data["changed_by"])
    return _write(db, outbox, doc, change, event,
                  dict(before, replaced_at=domain.stamp(current),
                       replaced_by=data["changed_by"]))


def cancel(db, outbox, data):
    current = domain.now()
    doc = _load(db, data["activity_id"])
    if doc["status"] == "cancelled":
        return activity_view(doc)
    if doc["status"] != "scheduled":
        raise Conflict("活动已举行，不能取消", code="already_held")
    event = outbox.event("ActivityCancelled", {
        "activity_id": doc["_id"], "revision": doc["revision"] + 1,
        "school_id": doc["school_id"], "kind": doc["kind"],
        "starts_at": plain(doc["starts_at"])}, subject=doc["_id"], version=2)
    change = {"status": "cancelled", "cancelled_at": domain.stamp(current),
              "cancelled_by": data["cancelled_by"], "cancel_reason": data["reason"]}
    return _write(db, outbox, doc, change, event,
                  {"status": doc["status"], "replaced_at": domain.stamp(current),
                   "replaced_by": data["cancelled_by"]})


def record_attendance(db, outbox, data):
    """Take (or correct) attendance: the list given is the whole roll, replacing any earlier
    one; the activity becomes held and ActivityHeld is published with the counts."""
    current = domain.now()
    doc = _load(db, data["activity_id"])
    problems = Problems()
    if doc["status"] == "cancelled":
        raise Conflict("活动已取消，不能登记出勤", code="cancelled")
    if domain.as_utc(doc["starts_at"]) > current + domain.CLOCK_SKEW:
        raise Conflict("活动尚未开始，不能登记出勤", code="not_started")
    held_on = data.get("held_on") or domain.local_date(doc["starts_at"])
    if held_on > domain.local_date(current + domain.CLOCK_SKEW):
        problems.add("held_on", "in_future", "日期不能晚于今天")
    marks = data["attendance"]
    known = projection.children(db, [m["child_id"] for m in marks])
    roll = []
    for index, mark in enumerate(marks):
        child = known.get(mark["child_id"])
        if child is None:
            problems.add("attendance.{}.child_id".format(index), "unknown_child",
                         projection.UNKNOWN_CHILD)
        elif child.get("school_id") != doc["school_id"]:
            problems.add("attendance.{}.child_id".format(index), "other_school",
                         "该儿童不是本校学生")
        else:
            roll.append({"child_id": mark["child_id"], "status": mark["status"],
                         "class_id": child.get("class_id"),
                         "left_behind": child.get("status") == "active"})
    present = [m["child_id"] for m in roll if m["status"] == "present"]
    # supplies handed out there went to children present: a correction cannot unmake that
    if _supplied(db, doc["_id"]) - set(present):
        problems.add("attendance", "received_supplies",
                     "有已登记领取物品的同学不在出席名单中，请先更正发放记录")
    problems.raise_if_any()
    counts = domain.attendance_counts(roll)
    updated = dict(doc, revision=doc["revision"] + 1)
    event = outbox.event("ActivityHeld", dict(
        _facts(updated), held_on=iso_day(held_on), present=counts["present"],
        absent=counts["absent"], excused=counts["excused"],
        left_behind_present=counts["left_behind_present"],
        participant_count=data.get("participant_count"), present_child_ids=present),
        subject=doc["_id"], version=2)
    change = {"status": "held", "held_on": iso_day(held_on), "attendance": roll,
              "present_child_ids": present, "counts": counts,
              "participant_count": data.get("participant_count"),
              "attendance_notes": data.get("notes"), "attendance_taken_by": data["taken_by"],
              "attendance_taken_at": domain.stamp(current)}
    previous = {"status": doc["status"], "attendance": doc.get("attendance") or [],
                "counts": doc.get("counts"), "replaced_at": domain.stamp(current),
                "replaced_by": data["taken_by"]}
    return _write(db, outbox, doc, change, event, previous)


def _supplied(db, activity_id):
    found = db[storage.SUPPLIES].find_one({"activity_id": activity_id}, {"child_ids": 1})
    return set((found or {}).get("child_ids") or [])


def activity_view(doc, with_history=False):
    out = storage.view(doc, with_history=with_history)
    out["kind_label"] = domain.ACTIVITY_KIND_LABELS[doc["kind"]]
    out["occasion_label"] = domain.OCCASIONS.get(doc["kind"], {}).get(doc.get("occasion"))
    out["status_label"] = domain.ACTIVITY_STATUS_LABELS[doc["status"]]
    out["birthday_token_labels"] = [domain.BIRTHDAY_TOKEN_LABELS[t]
                                    for t in doc.get("birthday_tokens") or []]
    for guest in out.get("guests") or []:
        guest["role_label"] = domain.GUEST_ROLE_LABELS[guest["role"]]
    out["attendance"] = [dict(m, left_behind=bool(m.get("left_behind")),
                              status_label=domain.ATTENDANCE_LABELS[m["status"]])
                         for m in out.get("attendance") or []]
    return out


def get(db, activity_id, with_history=False):
    return activity_view(_load(db, activity_id), with_history)


def calendar(db, data):
    """The school's activities between two dates (Beijing time), in start order."""
    start = domain.to_stored(datetime.combine(data["date_from"], time(0), domain.CHINA_TZ))
    end = domain.to_stored(datetime.combine(data["date_to"] + timedelta(days=1), time(0),
                                            domain.CHINA_TZ))
    query = {"school_id": data["school_id"], "at": {"$gte": start, "$lt": end}}
    if data.get("kinds"):
        query["kind"] = {"$in": data["kinds"]}
    if not data["include_cancelled"]:
        query["status"] = {"$in": ["scheduled", "held"]}
    docs = db[storage.GROUP_ACTIVITIES].find(
        query, {"attendance": 0, "history": 0, "_outbox": 0}).sort([("at", 1), ("_id", 1)])
    items = []
    for doc in docs:
        item = activity_view(doc)
        item.pop("attendance", None)
        item["date"] = iso_day(domain.local_date(doc["starts_at"]))
        items.append(item)
    return {"school_id": data["school_id"], "date_from": iso_day(data["date_from"]),
            "date_to": iso_day(data["date_to"]), "activities": items}
