"""Organisation commands: county -> township -> school -> class; codes unique in their parent."""
import uuid

from pymongo.errors import DuplicateKeyError

from carekit.errors import Conflict, ValidationFailed
from registry import storage as st
from registry.views import view
from registry.vocabulary import class_name


def _new_id():
    return uuid.uuid4().hex


def _known(ctx, collection, entity_id, field, code, message):
    doc = ctx.db[collection].find_one({"_id": entity_id}, st.NO_OUTBOX) if entity_id else None
    if doc is None:
        raise ValidationFailed.single(field, code, message)
    return doc


def create_county(ctx, data):
    doc = dict(data, _id=_new_id(), created_at=ctx.now())
    try:
        ctx.db[st.COUNTIES].insert_one(doc)
    except DuplicateKeyError:
        raise Conflict(code="duplicate_code", message="县编码「{}」已存在".format(data["code"]))
    return view(doc)


def create_township(ctx, data):
    _known(ctx, st.COUNTIES, data["county_id"], "county_id", "unknown_county", "县不存在")
    doc = dict(data, _id=_new_id(), created_at=ctx.now())
    try:
        ctx.db[st.TOWNSHIPS].insert_one(doc)
    except DuplicateKeyError:
        raise Conflict(code="duplicate_code", message="本县已有编码为「{}」的乡镇".format(data["code"]))
    return view(doc)


def _school_event_data(doc, township):
    return {"school_id": doc["_id"], "version": doc["version"], "code": doc["code"],
            "name": doc["name"], "county_id": doc["county_id"], "township_id": doc["township_id"],
            "township_name": township["name"]}


def register_school(ctx, data):
    township = _known(ctx, st.TOWNSHIPS, data["township_id"], "township_id", "unknown_township",
                      "乡镇不存在")
    doc = dict(data, _id=_new_id(), county_id=township["county_id"], version=1,
               created_at=ctx.now())
    event = ctx.outbox.event("SchoolRegistered", _school_event_data(doc, township),
                             subject=doc["_id"])
    try:
        ctx.outbox.insert(st.SCHOOLS, doc, [event])
    except DuplicateKeyError:
        raise Conflict(code="duplicate_code", message="该乡镇已有编码为「{}」的学校".format(data["code"]))
    return view(doc)


def update_school(ctx, school_id, changes):
    school = ctx.get(st.SCHOOLS, school_id, "学校不存在")
    changed = {k: v for k, v in changes.items() if school.get(k) != v}
    if not changed:
        return view(school)
    updated = dict(school, **changed, version=school["version"] + 1)
    township = ctx.db[st.TOWNSHIPS].find_one({"_id": school["township_id"]})
    data = dict(_school_event_data(updated, township), changed_fields=sorted(changed))
    event = ctx.outbox.event("SchoolUpdated", data, subject=school_id)
    try:
        result = ctx.outbox.update(st.SCHOOLS, {"_id": school_id, "version": school["version"]},
                                   {"$set": dict(changed, version=updated["version"],
                                                 updated_at=ctx.now())}, [event])
    except DuplicateKeyError:
        raise Conflict(code="duplicate_code", message="该乡镇已有编码为「{}」的学校".format(
            changes.get("code")))
    if not result.matched_count:
        raise Conflict(code="stale_version", message="学校信息刚被他人修改，请刷新后重试")
    return view(updated)


def update_township(ctx, township_id, changes):
    township = ctx.get(st.TOWNSHIPS, township_id, "乡镇不存在")
    try:
        ctx.db[st.TOWNSHIPS].update_one({"_id": township_id},
                                        {"$set": dict(changes, updated_at=ctx.now())})
    except DuplicateKeyError:
        raise Conflict(code="duplicate_code", message="本县已有编码为「{}」的乡镇".format(
            changes.get("code")))
    return view(dict(township, **changes))


def list_counties(ctx):
    return [view(d) for d in ctx.db[st.COUNTIES].find({}).sort("code", 1)]


def list_townships(ctx, county_id=None):
    query = {"county_id": county_id} if county_id else {}
    return [view(d) for d in ctx.db[st.TOWNSHIPS].find(query).sort("code", 1)]


def list_schools(ctx, township_id=None, county_id=None):
    query = {k: v for k, v in (("township_id", township_id), ("county_id", county_id)) if v}
    return [view(d) for d in ctx.db[st.SCHOOLS].find(query, st.NO_OUTBOX).sort("code", 1)]


# -- classes -------------------------------------------------------------------------------------
def _class_event_data(doc):
    return {"class_id": doc["_id"], "version": doc["version"], "school_id": doc["school_id"],
            "township_id": doc["township_id"], "grade": doc["grade"],
            "class_number": doc["number"], "name": doc["name"],
            "head_teacher_id": doc.get("head_teacher_id")}


def _check_head_teacher(ctx, staff_id, school_id):
    if staff_id is None:
        return
    staff = ctx.db[st.STAFF].find_one({"_id": staff_id}, {"school_id": 1, "active": 1})
    if staff is None or staff["school_id"] != school_id:
        raise ValidationFailed.single("head_teacher_id", "unknown_staff", "班主任应为本校教职工")
    if not staff.get("active"):
        raise ValidationFailed.single("head_teacher_id", "staff_inactive", "该教职工已离职")


def create_class(ctx, data):
    school = _known(ctx, st.SCHOOLS, data["school_id"], "school_id", "unknown_school", "学校不存在")
    _check_head_teacher(ctx, data.get("head_teacher_id"), school["_id"])
    doc = dict(data, _id=_new_id(), township_id=school["township_id"], version=1,
               name=class_name(data["grade"], data["number"]), created_at=ctx.now())
    event = ctx.outbox.event("ClassCreated", _class_event_data(doc), subject=doc["_id"])
    try:
        ctx.outbox.insert(st.CLASSES, doc, [event])
    except DuplicateKeyError:
        raise Conflict(code="duplicate_class", message="本校已有{}".format(doc["name"]))
    return view(doc)


def update_class(ctx, class_id, changes):
    klass = ctx.get(st.CLASSES, class_id, "班级不存在")
    if "head_teacher_id" in changes:
        _check_head_teacher(ctx, changes["head_teacher_id"], klass["school_id"])
    changed = {k: v for k, v in changes.items() if klass.get(k) != v}
    if not changed:
        return view(klass)
    updated = dict(klass, **changed, version=klass["version"] + 1)
    event = ctx.outbox.event("ClassUpdated", dict(_class_event_data(updated),
                                                  changed_fields=sorted(changed)),
                             subject=class_id)
    result = ctx.outbox.update(st.CLASSES, {"_id": class_id, "version": klass["version"]},
                               {"$set": dict(changed, version=updated["version"],
                                             updated_at=ctx.now())}, [event])
    if not result.matched_count:
        raise Conflict(code="stale_version", message="班级信息刚被他人修改，请刷新后重试")
    return view(updated)


def list_classes(ctx, school_id):
    return [view(d) for d in ctx.db[st.CLASSES].find({"school_id": school_id}, st.NO_OUTBOX)
            .sort([("grade", 1), ("number", 1)])]


def school_names(ctx, school_ids):
    return {d["_id"]: d["name"] for d in ctx.db[st.SCHOOLS].find(
        {"_id": {"$in": list(set(school_ids))}}, {"name": 1})}
