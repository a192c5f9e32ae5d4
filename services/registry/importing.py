"""Roster import: every row validated as a registration would be, then written in bulk.

Modes: all_or_nothing (any rejected row: nothing is written) and valid_rows_only. Rows are
recognised by national ID: a file at this school is updated (only if something differs, so a
second import of the same roster changes nothing); a file at another school is refused (that
child must be transferred); otherwise a new file is opened. Each child's write carries its
own event; the decision "all or nothing" is taken against the state read at import time.
"""
import hashlib
import uuid

from marshmallow import ValidationError
from pymongo.errors import BulkWriteError

from carekit.errors import ValidationFailed, flatten
from registry import children, files, roster
from registry import storage as st
from registry.schemas import ChildInput, NationalId

_SCHEMA = ChildInput()
_NATIONAL_ID = NationalId()


class Row:
    def __init__(self, number, record):
        self.number = number
        self.record = record
        self.payload = roster.payload_of(record)
        self.errors = []
        self.file = None
        self.hash = None
        self.existing = None
        self.sibling_hash = None

    def reject(self, field, code, message, column=None):
        self.errors.append({"column": column or roster.column_of(field, self.payload),
                            "field": field, "code": code, "message": message})

    def report(self):
        return {"row": self.number, "name": self.record.get("姓名", ""),
                "errors": sorted(self.errors, key=lambda e: (e["column"], e["code"]))}


def import_roster(ctx, request, content):
    try:
        headers, records = roster.read_rows(request["filename"], content)
    except roster.RosterFileError as exc:
        raise ValidationFailed.single("content_base64", exc.code, exc.message)
    school = children.known_school(ctx, request["school_id"])
    classes = {(c["grade"], c["number"]): c for c in ctx.db[st.CLASSES].find(
        {"school_id": school["_id"]}, st.NO_OUTBOX)}
    rows = [Row(number, record) for number, record in records]
    for row in rows:
        _validate(ctx, row, school, classes)
    _against_each_other(rows)
    known_households = _against_registry(ctx, rows, school)
    valid = [row for row in rows if not row.errors]
    rejected = [row.report() for row in rows if row.errors]
    result = {"school_id": school["_id"], "mode": request["mode"], "rows": len(rows),
              "created": 0, "updated": 0, "unchanged": 0, "rejected": rejected,
              "written": False}
    if rejected and request["mode"] == "all_or_nothing":
        return _recorded(ctx, request, content, result)
    _assign_households(valid, known_households)
    _write(ctx, valid, request["filename"], result, roster.absent_fields(headers))
    result["rejected"] = sorted(result["rejected"], key=lambda r: r["row"])
    return _recorded(ctx, request, content, result)


def _validate(ctx, row, school, classes):
    grade = roster.grade_of(row.record.get(roster.GRADE, ""))
    number = roster.class_number_of(row.record.get(roster.CLASS, ""))
    klass = classes.get((grade, number))
    if klass is None:
        row.reject("class_id", "unknown_class", "本校没有该班级（{}{}）".format(
            row.record.get(roster.GRADE, ""), row.record.get(roster.CLASS, "")))
    sibling = row.payload.pop("sibling_national_id", None)
    payload = dict(row.payload, school_id=school["_id"], class_id=klass["_id"] if klass else "-")
    try:
        data = _SCHEMA.load(payload)
    except ValidationError as exc:
        for problem in flatten(exc.messages):
            row.reject(problem["field"], problem["code"], problem["message"])
        return
    if sibling:
        try:
            row.sibling_hash = ctx.vault.hash(_NATIONAL_ID.deserialize(sibling))
        except ValidationError as exc:
            for problem in flatten(exc.messages):
                row.reject("sibling_national_id", problem["code"], problem["message"],
                           column=roster.SIBLING)
    if klass is None:
        return
    row.file = files.new_file(data, klass, household_id=None)
    for problem in files.problems(row.file):
        row.reject(problem["field"], problem["code"], problem["message"])
    row.hash = ctx.vault.hash(row.file["national_id"])


def _against_each_other(rows):
    first = {}
    for row in rows:
        if row.hash is None:
            continue
        if row.hash in first:
            row.reject("national_id", "duplicate_in_file",
                       "与第{}行身份证号重复".format(first[row.hash]))
        else:
            first[row.hash] = row.number


def _against_registry(ctx, rows, school):
    """Rows vs files already in the county; returns national-ID hash -> household id."""
    hashes = [r.hash for r in rows if r.hash] + [r.sibling_hash for r in rows if r.sibling_hash]
    existing = {d["national_id_hash"]: d for d in ctx.db[st.CHILDREN].find(
        {"national_id_hash": {"$in": hashes}}, {"_outbox": 0, "_outbox_pending": 0,
                                                "history": 0})}
    others = children.school_names_of(ctx, [d["school_id"] for d in existing.values()])
    in_file = {r.hash for r in rows if r.hash and not r.errors}
    for row in rows:
        if row.sibling_hash and row.sibling_hash not in existing and \
                row.sibling_hash not in in_file:
            row.reject("sibling_national_id", "unknown_sibling",
                       "本县没有该兄弟姐妹的档案，本表中也没有", column=roster.SIBLING)
        found = existing.get(row.hash)
        if row.errors or found is None:
            continue
        if found["school_id"] != school["_id"]:
            where = "「{}」".format(others.get(found["school_id"], "其他学校")) \
                if ctx.may_see_school(found["school_id"]) else "本县其他学校"
            row.reject("national_id", "duplicate_national_id",
                       "该身份证号已在{}建档；如已转学请办理转学".format(where))
        elif found["status"] == "graduated":
            row.reject("national_id", "file_archived", "该儿童档案已毕业归档，需先重新启用")
        else:
            row.existing = found
    return {h: d["household_id"] for h, d in existing.items()}


def _assign_households(rows, known_households):
    """Siblings share a household: an existing sibling's, else the first of them in the file."""
    households = dict(known_households)
    for row in rows:  # existing files keep theirs
        if row.existing:
            households[row.hash] = row.existing["household_id"]
    for row in rows:
        if row.existing and not row.sibling_hash:
            row.file["household_id"] = row.existing["household_id"]
            continue
        household = households.get(row.sibling_hash) if row.sibling_hash else None
        household = household or households.get(row.hash) or uuid.uuid4().hex
        households.setdefault(row.hash, household)
        if row.sibling_hash:
            households.setdefault(row.sibling_hash, household)
        row.file["household_id"] = household


def _write(ctx, rows, filename, result, absent):
    inserts = []
    for row in rows:
        if row.existing:
            _update(ctx, row, filename, result, absent)
        else:
            doc, event = children.new_document(ctx, row.file, files.new_child_id(),
                                               action="imported", source=filename,
                                               row=row.number)
            inserts.append((row, doc, event))
    if not inserts:
        return
    try:
        ctx.outbox.insert_many(st.CHILDREN, [(doc, [event]) for _, doc, event in inserts])
        result["created"] += len(inserts)
    except BulkWriteError as exc:  # someone registered one of these children meanwhile
        failed = {e["index"] for e in exc.details.get("writeErrors", [])}
        result["created"] += len(inserts) - len(failed)
        for index in sorted(failed):
            row = inserts[index][0]
            row.reject("national_id", "duplicate_national_id", "该身份证号刚被其他人登记")
            result["rejected"].append(row.report())
    result["written"] = True


def _update(ctx, row, filename, result, absent):
    doc = row.existing
    old = st.open_file(doc, ctx.vault, children.FILE_FIELDS)
    new = dict(old, **{k: v for k, v in row.file.items() if k != "status" and k not in absent})
    changes = files.diff(old, new)
    if not changes:
        result["unchanged"] += 1
        return
    try:
        children.write_change(ctx, doc, old, new, "imported", "ChildUpdated",
                               {"changed_fields": [c["field"] for c in changes]},
                               history_extra={"source": filename, "row": row.number},
                               changes=changes)
    except children.StaleFile:
        row.reject("national_id", "stale_version", "档案刚被他人修改，请重新导入该行")
        result["rejected"].append(row.report())
        return
    result["updated"] += 1
    result["written"] = True


def _recorded(ctx, request, content, result):
    """Keep a record of every import (who, when, which file, what happened)."""
    record = dict(result, _id=uuid.uuid4().hex, filename=request["filename"], by=ctx.actor,
                  at=ctx.now(), sha256=hashlib.sha256(content).hexdigest())
    ctx.db[st.ROSTER_IMPORTS].insert_one(record)
    result["import_id"] = record["_id"]
    return result
