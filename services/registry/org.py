"""Organisation commands: county -> township -> school -> class; codes unique in their parent."""
import uuid
from contextlib import contextmanager

from pymongo.errors import DuplicateKeyError

from carekit.errors import Conflict, ValidationFailed
from carekit.paging import page
from registry import storage as st
from registry.children import known_school
from registry.views import view
from registry.vocabulary import class_name


def _new_id():
    return uuid.uuid4().hex


def _known(ctx, collection, entity_id, field, code, message):
    doc = ctx.db[collection].find_one({"_id": entity_id}, st.NO_OUTBOX) if entity_id else None
    if doc is None:
        raise ValidationFailed.single(field, code, message)
    return doc


@contextmanager
def _code_taken(code, message):
    """A unique index refused the write: `message` says what is taken."""
    try:
        yield
    except DuplicateKeyError:
        raise Conflict(code=code, message=message)


def _taken_in_county(code):
    return _code_taken("duplicate_code", "本县已有编码为「{}」的乡镇".format(code))


def _taken_in_township(code):
    return _code_taken("duplicate_code", "该乡镇已有编码为「{}」的学校".format(code))


def _create(ctx, collection, doc, event_name, event_data, taken):
    """Insert `doc` as version 1 with its event; `taken`: what a duplicate code means."""
    doc = dict(doc, _id=_new_id(), version=1, created_at=ctx.now())
    event = ctx.event(event_name, event_data(doc), doc["_id"])
    with taken:
        ctx.outbox.insert(collection, doc, [event])
    return view(doc)


def _versioned(ctx, collection, doc):
    """Counties and townships created before they had versions start at version 1."""
    if "version" not in doc:
        ctx.db[collection].update_one({"_id": doc["_id"], "version": {"$exists": False}},
                                      {"$set": {"version": 1}})
        doc = ctx.get(collection, doc["_id"], "记录不存在")
    return doc


def _update(ctx, collection, doc, changes, event_name, event_data, stale_message):
    """Set what `changes` really changes as the next version, with its event."""
    changed = {k: v for k, v in changes.items() if doc.get(k) != v}
    if not changed:
        return view(doc)
    return view(ctx.save_version(collection, doc, changed, event_name,
                                 lambda updated: dict(event_data(updated),
                                                      changed_fields=sorted(changed)),
                                 stale_message))


def _county_event_data(doc):
    return {"county_id": doc["_id"], "version": doc["version"], "code": doc["code"],
            "name": doc["name"]}


def _township_event_data(doc):
    return {"township_id": doc["_id"], "version": doc["version"], "county_id": doc["county_id"],
            "code": doc["code"], "name": doc["name"]}


def _county_code_taken(code):
    return _code_taken("duplicate_code", "县编码「{}」已存在".format(code))


def create_county(ctx, data):
    return _create(ctx, st.COUNTIES, data, "CountyRegistered", _county_event_data,
                   _county_code_taken(data["code"]))


def update_county(ctx, county_id, changes):
    county = _versioned(ctx, st.COUNTIES, ctx.get(st.COUNTIES, county_id, "县不存在"))
    with _county_code_taken(changes.get("code")):
        return _update(ctx, st.COUNTIES, county, changes, "CountyUpdated", _county_event_data,
                       "县信息刚被他人修改，请刷新后重试")


def create_township(ctx, data):
    _known(ctx, st.COUNTIES, data["county_id"], "county_id", "unknown_county", "县不存在")
    return _create(ctx, st.TOWNSHIPS, data, "TownshipRegistered", _township_event_data,
                   _taken_in_county(data["code"]))


def update_township(ctx, township_id, changes):
    """A rename publishes TownshipUpdated; school events carry the name from then on."""
    township = _versioned(ctx, st.TOWNSHIPS, ctx.get(st.TOWNSHIPS, township_id, "乡镇不存在"))
    with _taken_in_county(changes.get("code")):
        return _update(ctx, st.TOWNSHIPS, township, changes, "TownshipUpdated",
                       _township_event_data, "乡镇信息刚被他人修改，请刷新后重试")


def _school_event_data(doc, township):
    return {"school_id": doc["_id"], "version": doc["version"], "code": doc["code"],
            "name": doc["name"], "county_id": doc["county_id"], "township_id": doc["township_id"],
            "township_name": township["name"], "enrolment": doc.get("enrolment")}


def _check_enrolment(ctx, enrolment, where, place):
    """A school's or class's pupils are at least its active left-behind children on file."""
    if enrolment is None:
        return
    on_file = ctx.db[st.CHILDREN].count_documents(dict(where, status="active"))
    if enrolment < on_file:
        raise ValidationFailed.single("enrolment", "enrolment_below_children",
                                      "学生人数{}人少于{}已登记的留守儿童{}人".format(
                                          enrolment, place, on_file))


def register_school(ctx, data):
    township = _known(ctx, st.TOWNSHIPS, data["township_id"], "township_id", "unknown_township",
                      "乡镇不存在")
    return _create(ctx, st.SCHOOLS, dict(data, county_id=township["county_id"]),
                   "SchoolRegistered", lambda doc: _school_event_data(doc, township),
                   _taken_in_township(data["code"]))


def update_school(ctx, school_id, changes):
    school = ctx.get(st.SCHOOLS, school_id, "学校不存在")
    if "enrolment" in changes:
        _check_enrolment(ctx, changes["enrolment"], {"school_id": school_id}, "本校")

    def event_data(updated):
        township = ctx.db[st.TOWNSHIPS].find_one({"_id": school["township_id"]})
        return _school_event_data(updated, township)
    with _taken_in_township(changes.get("code")):
        return _update(ctx, st.SCHOOLS, school, changes, "SchoolUpdated", event_data,
                       "学校信息刚被他人修改，请刷新后重试")


def list_counties(ctx):
    return [view(d) for d in ctx.db[st.COUNTIES].find({}).sort("code", 1)]


def _page(docs, key, shape, query):
    found = page(docs, key, shape, query["cursor"], query["limit"])
    found["items"] = [view(d) for d in found["items"]]
    return found


def _by_code(doc):
    return (doc.get("code") or "", doc["_id"])


def list_townships(ctx, query):
    docs = ctx.db[st.TOWNSHIPS].find({"county_id": query["county_id"]}, st.NO_OUTBOX)
    return _page(list(docs), _by_code, (str, str), query)


def list_schools(ctx, query):
    criteria = {k: query[k] for k in ("township_id", "county_id") if query.get(k)}
    return _page(list(ctx.db[st.SCHOOLS].find(criteria, st.NO_OUTBOX)), _by_code, (str, str),
                 query)


# -- classes -------------------------------------------------------------------------------------
def _class_event_data(doc):
    return {"class_id": doc["_id"], "version": doc["version"], "school_id": doc["school_id"],
            "township_id": doc["township_id"], "grade": doc["grade"],
            "class_number": doc["number"], "name": doc["name"],
            "head_teacher_id": doc.get("head_teacher_id"), "enrolment": doc.get("enrolment")}


def _check_head_teacher(ctx, staff_id, school_id):
    if staff_id is None:
        return
    staff = ctx.db[st.STAFF].find_one({"_id": staff_id}, {"school_id": 1, "active": 1})
    if staff is None or staff["school_id"] != school_id:
        raise ValidationFailed.single("head_teacher_id", "unknown_staff", "班主任应为本校教职工")
    if not staff.get("active"):
        raise ValidationFailed.single("head_teacher_id", "staff_inactive", "该教职工已离职")


def create_class(ctx, data):
    school = known_school(ctx, data["school_id"])
    _check_head_teacher(ctx, data.get("head_teacher_id"), school["_id"])
    name = class_name(data["grade"], data["number"])
    return _create(ctx, st.CLASSES, dict(data, township_id=school["township_id"], name=name),
                   "ClassCreated", _class_event_data,
                   _code_taken("duplicate_class", "本校已有{}".format(name)))


def update_class(ctx, class_id, changes):
    klass = ctx.get(st.CLASSES, class_id, "班级不存在")
    if "head_teacher_id" in changes:
        _check_head_teacher(ctx, changes["head_teacher_id"], klass["school_id"])
    if "enrolment" in changes:
        _check_enrolment(ctx, changes["enrolment"], {"class_id": class_id}, "本班")
    return _update(ctx, st.CLASSES, klass, changes, "ClassUpdated", _class_event_data,
                   "班级信息刚被他人修改，请刷新后重试")


def list_classes(ctx, query):
    docs = ctx.db[st.CLASSES].find({"school_id": query["school_id"]}, st.NO_OUTBOX)
    return _page(list(docs), lambda d: (d["grade"], d["number"], d["_id"]), (int, int, str),
                 query)

