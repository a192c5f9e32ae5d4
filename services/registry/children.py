"""Child file commands: register, update, change status, transfer, siblings, reads.

Every change is one write of the child document carrying its history entry and its event
(the kit's outbox), guarded by the file's version so two concurrent changes cannot both win.
"""
import uuid

from pymongo.errors import DuplicateKeyError

from carekit.clock import china_date
from carekit.documents import save_if_version
from carekit.errors import Conflict, NotFound, ValidationFailed
from carekit.paging import page
from registry import files, lifecycle
from registry import storage as st
from registry.views import plain

FILE_FIELDS = ("name", "national_id", "gender", "birth_date", "school_id", "class_id",
               "township_id", "grade", "class_number", "left_behind_type", "parents",
               "guardian", "family_hardship", "low_income_registered", "hardship_note",
               "special_needs", "notes", "household_id", "status", "migrant_left_behind",
               "boards_at_school", "lunch_at_school")
BOOKKEEPING = ("version", "status_since", "status_reason_code", "status_reason", "created_at",
               "updated_at", "former_school_ids", "transfers")
RETRIES = 3


class StaleFile(Exception):
    """The file changed between our read and our write."""


# -- look-ups ----------------------------------------------------------------------------------
def class_in_school(ctx, class_id, school_id, field="class_id"):
    klass = ctx.db[st.CLASSES].find_one({"_id": class_id}, st.NO_OUTBOX) if class_id else None
    if klass is None or (school_id and klass["school_id"] != school_id):
        raise ValidationFailed.single(field, "unknown_class", "班级不存在或不属于该学校")
    return klass


def known_school(ctx, school_id, field="school_id"):
    school = ctx.db[st.SCHOOLS].find_one({"_id": school_id}, st.NO_OUTBOX) if school_id else None
    if school is None:
        raise ValidationFailed.single(field, "unknown_school", "学校不存在")
    return school


def duplicate_error(ctx, holder, field="national_id"):
    """The ID is on file in the county already. Which school holds it (and the file's id) is
    told only to a caller whose scope covers that school: to anyone else the refusal itself
    must not say where a child lives."""
    if not ctx.may_see_school(holder["school_id"]):
        return Conflict(code="duplicate_national_id",
                        message="该身份证号已在本县建档，不能重复登记；如需转学请联系原学校或县教育局",
                        field=field)
    school = ctx.db[st.SCHOOLS].find_one({"_id": holder["school_id"]}, {"name": 1}) or {}
    return Conflict(code="duplicate_national_id",
                    message="该身份证号已在「{}」建档，不能重复登记".format(school.get("name", "其他学校")),
                    field=field, school_id=holder["school_id"], school_name=school.get("name"),
                    child_id=holder["_id"])


def load_file(ctx, child_id):
    doc = ctx.get(st.CHILDREN, child_id, "找不到该儿童档案", projection={
        "_outbox": 0, "_outbox_pending": 0, "history": 0})
    return doc, st.open_file(doc, ctx.vault, FILE_FIELDS)


def household_for(ctx, sibling_ids):
    if not sibling_ids:
        return uuid.uuid4().hex
    siblings = list(ctx.db[st.CHILDREN].find({"_id": {"$in": sibling_ids}}, {"household_id": 1}))
    if len(siblings) != len(set(sibling_ids)):
        raise ValidationFailed.single("sibling_ids", "unknown_child", "兄弟姐妹的档案不存在")
    return siblings[0]["household_id"]


def check_file(file):
    found = files.problems(file)
    if found:
        raise ValidationFailed(errors=found)


# -- register ----------------------------------------------------------------------------------
def new_document(ctx, file, child_id, action="registered", **history_extra):
    """The stored document of a new file, with its ChildRegistered event."""
    now = ctx.now()
    doc = st.seal_file(file, ctx.vault)
    doc.update(_id=child_id, version=1, created_at=now, updated_at=now, status_since=now,
               former_school_ids=[], transfers=[],
               history=[files.history_entry(action, ctx.actor, now, **history_extra)])
    event = ctx.event("ChildRegistered", dict(
        files.snapshot(child_id, 1, file), registered_on=china_date(now)), subject=child_id)
    return doc, event


def register_child(ctx, data):
    known_school(ctx, data["school_id"])
    klass = class_in_school(ctx, data["class_id"], data["school_id"])
    file = files.new_file(data, klass, household_for(ctx, data.get("sibling_ids")))
    check_file(file)
    holder = st.holder_of(ctx.db, ctx.vault.hashes(file["national_id"]))
    if holder:
        raise duplicate_error(ctx, holder)
    child_id = files.new_child_id()
    doc, event = new_document(ctx, file, child_id)
    try:
        ctx.outbox.insert(st.CHILDREN, doc, [event])
    except DuplicateKeyError:  # registered by someone else since our look-up
        raise duplicate_error(ctx, st.holder_of(ctx.db, doc["national_id_hash"]))
    return file_view(ctx, doc, file)


# -- changes -----------------------------------------------------------------------------------
def write_change(ctx, doc, old, new, action, event_name, event_extra=None, set_extra=None,
                 add_extra=None, history_extra=None, changes=None):
    """One guarded write: new file fields, version + 1, history entry, the event."""
    version = doc["version"] + 1
    now = ctx.now()
    changes = files.diff(old, new) if changes is None else changes
    entry = files.history_entry(action, ctx.actor, now, changes, **(history_extra or {}))
    data = dict(files.snapshot(doc["_id"], version, new), **(event_extra or {}))
    event = ctx.event(event_name, data, subject=doc["_id"])
    update = {"$set": dict(st.sealed_changes(old, new, ctx.vault), version=version,
                           updated_at=now, **(set_extra or {})),
              "$addToSet": dict({"history": entry}, **(add_extra or {}))}
    try:
        saved = save_if_version(ctx.outbox, st.CHILDREN, doc["_id"], doc["version"], update,
                                [event])
    except DuplicateKeyError:
        raise duplicate_error(ctx, st.holder_of(ctx.db, ctx.vault.hash(new["national_id"]),
                                                exclude_id=doc["_id"]))
    if not saved:
        raise StaleFile()
    return version, changes


def _with_retries(attempt, expected_version=None):
    for _ in range(RETRIES):
        try:
            return attempt()
        except StaleFile:
            if expected_version is not None:
                break
    raise Conflict(code="stale_version", message="档案刚被他人修改，请刷新后重试")


def update_child(ctx, child_id, changes):
    expected = changes.get("expected_version")

    def attempt():
        doc, old = load_file(ctx, child_id)
        lifecycle.check_editable(old["status"])
        if expected is not None and expected != doc["version"]:
            raise StaleFile()
        new = files.merge_changes(old, changes)
        if changes.get("class_id") and changes["class_id"] != old["class_id"]:
            new.update(files.placement(class_in_school(ctx, changes["class_id"], old["school_id"])))
        check_file(new)
        if new["national_id"] != old["national_id"]:
            holder = st.holder_of(ctx.db, ctx.vault.hashes(new["national_id"]), exclude_id=child_id)
            if holder:
                raise duplicate_error(ctx, holder)
        diff = files.diff(old, new)
        if not diff:
            return file_view(ctx, doc, old, changed=[])
        version, diff = write_change(ctx, doc, old, new, "updated", "ChildUpdated",
                                     {"changed_fields": [c["field"] for c in diff]},
                                     changes=diff)
        return file_view(ctx, dict(doc, version=version), new, changed=diff)
    return _with_retries(attempt, expected)


def change_status(ctx, child_id, data):
    def attempt():
        doc, old = load_file(ctx, child_id)
        reason_code = lifecycle.check_transition(old["status"], data["status"],
                                                 data.get("reason_code"))
        new = dict(old, status=data["status"])
        extra = {"previous_status": old["status"], "reason_code": reason_code,
                 "reason": data.get("reason"), "effective_date": data["effective_date"]}
        version, _ = write_change(
            ctx, doc, old, new, "status_changed", "ChildStatusChanged", extra,
            set_extra={"status_since": plain(data["effective_date"]),
                       "status_reason_code": reason_code, "status_reason": data.get("reason")},
            history_extra={"reason_code": reason_code, "reason": data.get("reason"),
                           "effective_date": plain(data["effective_date"])})
        return file_view(ctx, dict(doc, version=version, status_reason_code=reason_code,
                                   status_reason=data.get("reason")), new)
    return _with_retries(attempt)


def transfer_child(ctx, child_id, data):
    def attempt():
        doc, old = load_file(ctx, child_id)
        lifecycle.check_transferable(old["status"])
        known_school(ctx, data["to_school_id"], "to_school_id")
        klass = class_in_school(ctx, data["to_class_id"], data["to_school_id"], "to_class_id")
        if klass["school_id"] == old["school_id"]:
            raise Conflict(code="same_school", message="转入学校与现在学校相同；调班请修改班级")
        new = dict(old, **files.placement(klass))
        when = plain(data["effective_date"])
        trace = {"id": uuid.uuid4().hex, "from_school_id": old["school_id"],
                 "from_class_id": old["class_id"], "from_township_id": old["township_id"],
                 "from_grade": old["grade"], "from_class_number": old["class_number"],
                 "to_school_id": klass["school_id"], "to_class_id": klass["_id"],
                 "effective_date": when, "reason": data.get("reason"), "by": ctx.actor,
                 "at": ctx.now()}
        extra = {"from_school_id": old["school_id"], "from_class_id": old["class_id"],
                 "from_township_id": old["township_id"], "effective_date": data["effective_date"],
                 "reason": data.get("reason")}
        version, _ = write_change(
            ctx, doc, old, new, "transferred", "ChildTransferred", extra,
            add_extra={"former_school_ids": old["school_id"], "transfers": trace},
            history_extra={"effective_date": when, "reason": data.get("reason")})
        return file_view(ctx, dict(doc, version=version), new)
    return _with_retries(attempt)


def link_siblings(ctx, child_ids):
    """Put children in one household (the first child's); returns the household id."""
    ids = list(dict.fromkeys(child_ids))
    if len(ids) < 2:
        raise ValidationFailed.single("child_ids", "too_few", "至少需要两个儿童档案")
    docs = {d["_id"]: d for d in ctx.db[st.CHILDREN].find({"_id": {"$in": ids}},
                                                        {"household_id": 1})}
    missing = [i for i in ids if i not in docs]
    if missing:
        raise ValidationFailed.single("child_ids", "unknown_child", "儿童档案不存在")
    household = docs[ids[0]]["household_id"]
    for child_id in ids[1:]:
        if docs[child_id]["household_id"] != household:
            update_household(ctx, child_id, household)
    return household


def update_household(ctx, child_id, household):
    def attempt():
        doc, old = load_file(ctx, child_id)
        new = dict(old, household_id=household)
        write_change(ctx, doc, old, new, "updated", "ChildUpdated",
                     {"changed_fields": ["household_id"]})
    return _with_retries(attempt)


# -- reads -------------------------------------------------------------------------------------
def file_view(ctx, doc, file, reveal=False, **extra):
    shown = dict(file) if reveal else files.masked(file)
    out = {"id": doc["_id"]}
    out.update(plain(shown))
    out.update({k: plain(doc.get(k)) for k in BOOKKEEPING if k in doc})
    out.update(extra)
    return out


def record_reveal(ctx, subject_type, subject_id, reason, purpose, fields):
    ctx.db[st.PII_AUDIT].insert_one({
        "_id": uuid.uuid4().hex, "at": ctx.now(), "by": ctx.actor, "subject_type": subject_type,
        "subject_id": subject_id, "reason": reason, "purpose": purpose, "fields": fields})


def require_reason(request):
    reason = (request or {}).get("reason")
    if not reason or len(reason) < 2:
        raise ValidationFailed.single("reason", "reason_required", "查看完整身份证号和电话需填写理由")
    return reason


def get_child(ctx, child_id, request):
    doc, file = load_file(ctx, child_id)
    if request.get("reveal"):
        reason = require_reason(request)
        record_reveal(ctx, "child", child_id, reason, "view",
                      ["national_id", "parents.phone", "guardian.phone"])
        return file_view(ctx, doc, file, reveal=True)
    return file_view(ctx, doc, file)


_FILE_ORDER = (int, int, str, str)


def _file_order(doc):
    return (doc.get("grade") or 0, doc.get("class_number") or 0, doc.get("name") or "",
            doc["_id"])


def _matching(ctx, query):
    criteria = {k: query.get(k) for k in ("school_id", "class_id", "status", "household_id")}
    return ctx.db[st.CHILDREN].find(st.child_query(criteria), {
        "_outbox": 0, "_outbox_pending": 0, "history": 0})


def list_children(ctx, query, reveal=False):
    """Files matching `query`, in class order (internal: printing a class)."""
    docs = sorted(_matching(ctx, query), key=_file_order)
    return [file_view(ctx, doc, st.open_file(doc, ctx.vault, FILE_FIELDS), reveal=reveal)
            for doc in docs]


def list_children_page(ctx, query):
    """One page of the masked files of a school or class; only that page is decrypted."""
    found = page(list(_matching(ctx, query)), _file_order, _FILE_ORDER, query["cursor"],
                 query["limit"])
    found["items"] = [file_view(ctx, doc, st.open_file(doc, ctx.vault, FILE_FIELDS))
                      for doc in found["items"]]
    return found


def history(ctx, child_id):
    doc = ctx.get(st.CHILDREN, child_id, "找不到该儿童档案", projection={"history": 1})
    return plain(sorted(doc.get("history") or [], key=lambda e: e["at"]))


def transferred_out(ctx, query):
    """The read-only trace an old school keeps of children who moved away, one page."""
    school_id = query["school_id"]
    traces = []
    # $in, not plain equality: the stand-in misses array members through an index otherwise
    for doc in ctx.db[st.CHILDREN].find({"former_school_ids": {"$in": [school_id]}},
                                        {"name": 1, "gender": 1, "birth_date": 1,
                                         "transfers": 1}):
        for move in doc.get("transfers") or []:
            if move["from_school_id"] == school_id:
                traces.append(plain(dict(move, child_id=doc["_id"], name=doc["name"],
                                         gender=doc["gender"], birth_date=doc["birth_date"],
                                         read_only=True)))
    return page(traces, lambda t: (t["effective_date"], t["name"], t["id"]), (str, str, str),
                query["cursor"], query["limit"])


def school_names_of(ctx, school_ids):
    return {d["_id"]: d["name"] for d in ctx.db[st.SCHOOLS].find(
        {"_id": {"$in": list(set(school_ids))}}, {"name": 1})}


def find_by_national_id(ctx, request):
    """Who holds an ID. Knowing a full ID is knowing the child: the look-up is audited like a
    reveal (found or not), and a holder outside the caller's scope is only said to exist."""
    holder = ctx.db[st.CHILDREN].find_one(
        {"national_id_hash": {"$in": ctx.vault.hashes(request["national_id"])}},
        {"school_id": 1, "name": 1, "status": 1, "class_id": 1})
    record_reveal(ctx, "child", holder["_id"] if holder else None, request["reason"],
                  "find_by_national_id", ["national_id"])
    if holder is None:
        raise NotFound(message="没有该身份证号的档案")
    if not ctx.may_see_school(holder["school_id"]):
        return {"registered_in_county": True}
    school = ctx.db[st.SCHOOLS].find_one({"_id": holder["school_id"]}, {"name": 1}) or {}
    return {"registered_in_county": True, "child_id": holder["_id"], "name": holder["name"],
            "status": holder["status"], "school_id": holder["school_id"],
            "school_name": school.get("name"), "class_id": holder["class_id"]}
