"""School radio (红领巾广播台): a programme such as 午间书场 — every school day 11:40-12:00, two
announcers reading 《西游记》 chapter by chapter — and the episodes actually aired.

A programme is one document (changes keep history, revision grows); an episode is one
document per programme and day (again: a correction naming the revision it corrects).
Announcers are children or staff of the school; staff must be active.
"""
from pymongo.errors import DuplicateKeyError

from activities import domain, projection, storage
from activities.domain import Problems, iso_day
from carekit import paging
from carekit.documents import NO_OUTBOX
from carekit.errors import Conflict, NotFound

PROGRAMME_FIELDS = ("title", "station", "work", "weekdays", "starts_at_time", "ends_at_time",
                    "announcers", "effective_from", "ended_on", "notes")
KEY_SHAPE = (str, str)


def _announcer_ids(announcers, kind):
    return [a["id"] for a in announcers if a["type"] == kind]


def _check_announcers(db, problems, field, announcers, school_id):
    staff = [("{}.{}.id".format(field, i), a["id"]) for i, a in enumerate(announcers)
             if a["type"] == "staff"]
    projection.check_staff_on_duty(db, problems, staff, school_id)
    children = [(i, a["id"]) for i, a in enumerate(announcers) if a["type"] == "child"]
    known = projection.children(db, [c for _, c in children])
    for index, child_id in children:
        if (known.get(child_id) or {}).get("school_id") != school_id:
            problems.add("{}.{}.id".format(field, index), "unknown_child", "播音员应为本校学生")


def _save(outbox, collection, stored, doc, event, noun):
    try:
        if stored is None:
            outbox.insert(collection, doc, [event])
            return
        change = {k: v for k, v in doc.items() if k != "_id"}
        if outbox.update(collection, {"_id": doc["_id"], "revision": stored["revision"]},
                         {"$set": change}, [event]).matched_count:
            return
    except DuplicateKeyError:
        pass
    raise Conflict("{}刚被他人修改，请刷新后再试".format(noun), code="stale_revision")


def _stale_unless(stored, revision, noun):
    if stored is not None and revision != stored["revision"]:
        raise Conflict("{}已存在，请在最新版本上修改".format(noun), code="stale_revision",
                       current_revision=stored["revision"])


# -- programmes -----------------------------------------------------------------------------------
def set_programme(db, outbox, data):
    current = domain.now()
    projection.known_school(db, data["school_id"])
    given = data["programme_id"]  # the caller's id, or the answer's id when changing
    programme_id = given if given.startswith("rp_") else domain.new_id("rp", given)
    stored = db[storage.RADIO_PROGRAMMES].find_one({"_id": programme_id})
    if stored is not None and stored["school_id"] != data["school_id"]:
        raise Conflict("该栏目编号已被另一所学校使用", code="duplicate_id")
    _stale_unless(stored, data.get("revision"), "该栏目")
    problems = Problems()
    _check_announcers(db, problems, "announcers", data["announcers"], data["school_id"])
    problems.raise_if_any()
    fields = {name: data.get(name) for name in PROGRAMME_FIELDS}
    fields.update(weekdays=sorted(data["weekdays"]),
                  announcers=[{"type": a["type"], "id": a["id"]} for a in data["announcers"]],
                  effective_from=iso_day(data["effective_from"]),
                  ended_on=iso_day(data["ended_on"]) if data.get("ended_on") else None)
    revision = (stored or {}).get("revision", 0) + 1
    doc = dict(fields, _id=programme_id, school_id=data["school_id"], revision=revision,
               set_by=data["set_by"], set_at=domain.stamp(current),
               history=dict((stored or {}).get("history") or {}))
    if stored is not None:
        doc["history"]["r{}".format(stored["revision"])] = {
            k: stored.get(k) for k in PROGRAMME_FIELDS + ("revision", "set_by", "set_at")}
    event = outbox.event("RadioProgrammeSet", {
        "programme_id": programme_id, "revision": revision, "school_id": doc["school_id"],
        "title": doc["title"], "weekdays": doc["weekdays"],
        "starts_at_time": doc["starts_at_time"], "ends_at_time": doc["ends_at_time"],
        "announcer_child_ids": _announcer_ids(doc["announcers"], "child"),
        "announcer_staff_ids": _announcer_ids(doc["announcers"], "staff"),
        "effective_from": doc["effective_from"], "ended_on": doc["ended_on"],
        "set_by": doc["set_by"]}, subject=doc["school_id"])
    _save(outbox, storage.RADIO_PROGRAMMES, stored, doc, event, "栏目")
    return programme_view(doc)


def programme_view(doc):
    out = storage.view(doc)
    out["weekday_labels"] = [domain.WEEKDAY_LABELS[d] for d in doc["weekdays"]]
    out["schedule_label"] = "每{} {}-{}".format("、".join(
        domain.WEEKDAY_LABELS[d].replace("星期", "周") for d in doc["weekdays"]),
        doc["starts_at_time"], doc["ends_at_time"])
    return out


def _programme(db, programme_id, school_id=None):
    """The programme; when asked within a school, only that school's (else NotFound)."""
    doc = storage.load(db, storage.RADIO_PROGRAMMES, "找不到该广播栏目",
                       programme_id=programme_id)
    if school_id and doc["school_id"] != school_id:
        raise NotFound("找不到该广播栏目", programme_id=programme_id)
    return doc


def programmes(db, data):
    docs = db[storage.RADIO_PROGRAMMES].find({"school_id": data["school_id"]},
                                             dict(NO_OUTBOX, history=0))
    found = paging.page([programme_view(d) for d in docs],
                        lambda p: (p["effective_from"], p["id"]), KEY_SHAPE,
                        data.get("cursor"), data["limit"])
    return {"school_id": data["school_id"], "programmes": found["items"],
            "next_cursor": found["next_cursor"]}


# -- episodes -------------------------------------------------------------------------------------
def record_episode(db, outbox, data):
    current = domain.now()
    programme = _programme(db, data["programme_id"], data.get("school_id"))
    day = data["aired_on"]
    episode_id = domain.stable_id("re", programme["_id"], iso_day(day))
    stored = db[storage.RADIO_EPISODES].find_one({"_id": episode_id})
    _stale_unless(stored, data.get("revision"), "当天的播出记录")
    problems = Problems()
    domain.check_day(problems, "aired_on", day, None, current)
    if day.isoweekday() not in programme["weekdays"]:
        problems.add("aired_on", "not_scheduled_day", "该栏目{}不播出".format(
            domain.WEEKDAY_LABELS[day.isoweekday()]))
    if iso_day(day) < programme["effective_from"] or (
            programme.get("ended_on") and iso_day(day) > programme["ended_on"]):
        problems.add("aired_on", "outside_programme", "该日期不在栏目开播期间")
    announcers = data.get("announcers") or programme["announcers"]
    _check_announcers(db, problems, "announcers", announcers, programme["school_id"])
    clash = db[storage.RADIO_EPISODES].find_one(
        {"programme_id": programme["_id"], "episode": data["episode"],
         "_id": {"$ne": episode_id}}, {"aired_on": 1})
    if clash:
        problems.add("episode", "duplicate_episode",
                     "第{}期已在{}播出".format(data["episode"], clash["aired_on"]))
    problems.raise_if_any()
    doc = {"_id": episode_id, "programme_id": programme["_id"],
           "school_id": programme["school_id"], "aired_on": iso_day(day),
           "episode": data["episode"], "reading": data.get("reading"),
           "announcers": [{"type": a["type"], "id": a["id"]} for a in announcers],
           "notes": data.get("notes"), "recorded_by": data["recorded_by"],
           "recorded_at": domain.stamp(current),
           "revision": (stored or {}).get("revision", 0) + 1}
    event = outbox.event("RadioEpisodeAired", {
        "episode_id": episode_id, "revision": doc["revision"],
        "programme_id": doc["programme_id"], "school_id": doc["school_id"],
        "aired_on": doc["aired_on"], "episode": doc["episode"],
        "announcer_child_ids": _announcer_ids(doc["announcers"], "child"),
        "announcer_staff_ids": _announcer_ids(doc["announcers"], "staff"),
        "recorded_by": doc["recorded_by"]}, subject=doc["school_id"])
    _save(outbox, storage.RADIO_EPISODES, stored, doc, event, "播出记录")
    return storage.view(doc)


def episodes(db, data):
    """A programme's episodes, in airing order, one page at a time."""
    programme = _programme(db, data["programme_id"], data.get("school_id"))
    docs = db[storage.RADIO_EPISODES].find({"programme_id": programme["_id"]}, NO_OUTBOX)
    found = paging.page([storage.view(d) for d in docs], lambda e: (e["aired_on"], e["id"]),
                        KEY_SHAPE, data.get("cursor"), data["limit"])
    return {"programme_id": programme["_id"], "title": programme["title"],
            "episodes": found["items"], "next_cursor": found["next_cursor"],
            "aired": db[storage.RADIO_EPISODES].count_documents(
                {"programme_id": programme["_id"]})}
