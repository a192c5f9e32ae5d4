"""One-to-one care (家访, 谈心, 电话联系 …), the growth diary (成长日记), a child's timeline,
last contacts and flagged records (activities service). The author of a record is always
the logged-in person's own staff or volunteer record."""
from gateway import errors, views
from gateway.authorisation import ADMINS, AUTHORS, CARERS, SCHOOL_ADMIN, TEACHERS, allow
from gateway.routing import route
from gateway.schemas import CareDeletion, CareRecordBody, CareRevision, DiaryBody, \
    DiaryDeletion, DiaryRevision, FlaggedQuery, HistoryQuery, TimelineQuery

TAG_CARE, TAG_DIARY, TAG_VIEWS = "关爱记录", "成长日记", "时间线与联系情况"


def _author(call):
    p = call.principal
    if not p.person_id:
        raise errors.Forbidden(code="no_person_linked",
                               message="您的账号未关联教职工或志愿者记录，不能以本人名义记录")
    return p.person_id


def _may_edit(call, record):
    """Authors edit their own records; the school admin any record of the school."""
    p = call.principal
    if record.get("by_id") != p.person_id and p.role != SCHOOL_ADMIN:
        raise errors.Forbidden(code="not_author", message="只能修改本人填写的记录")


def _adder(method):
    """Write about the child named in the path, as the logged-in person."""
    def add(call):
        return getattr(call.activities, method)(call.forward(child_id=call.target["id"],
                                                             by_id=_author(call)))
    return add


def _getter(method):
    def get(call):
        if not call.query.get("with_history"):
            return call.target
        return getattr(call.activities, method)({"id": call.target["id"], "with_history": True})
    return get


def _changer(method, id_field, actor_field):
    """Revise or delete a record: its author or the school admin."""
    def change(call):
        _may_edit(call, call.target)
        return getattr(call.activities, method)(call.forward(
            **{id_field: call.target["id"], actor_field: call.principal.actor_id}))
    return change


log_care = _adder("log_care_record")
get_care = _getter("get_care_record")
revise_care = _changer("revise_care_record", "record_id", "edited_by")
delete_care = _changer("delete_care_record", "record_id", "deleted_by")
add_diary = _adder("add_diary_entry")
get_diary = _getter("get_diary_entry")
revise_diary = _changer("revise_diary_entry", "entry_id", "edited_by")
delete_diary = _changer("delete_diary_entry", "entry_id", "deleted_by")


def complete_follow_up(call):
    return call.activities.complete_follow_up({
        "record_id": call.target["id"], "action_id": call.path["action_id"],
        "done_by": call.principal.actor_id})


def timeline(call):
    query = {k: v for k, v in call.raw_query.items() if v is not None}
    return call.activities.timeline(dict(query, child_id=call.target["id"]))


def last_contacts(call):
    rows = call.activities.last_contacts({"school_id": call.target["id"]})["children"]
    if call.principal.role in TEACHERS:  # a teacher sees the children within reach only
        reach = call.scope.reach()
        rows = [r for r in rows if r["child_id"] in reach.child_ids or
                r.get("class_id") in reach.class_ids]
    call.note(child_ids=[r["child_id"] for r in rows])
    return {"items": rows, "next_cursor": None}


def flagged(call):
    query = {k: v for k, v in call.raw_query.items() if v is not None}
    answer = call.activities.flagged_records(dict(query, school_id=call.target["id"]))
    records = answer["records"]
    call.note(child_ids=[r["child_id"] for r in records if r.get("child_id")])
    return {"items": records, "next_cursor": answer.get("next_cursor")}


_child = dict(target="child_ref", param="child_id")
_record = dict(target="care_record", param="record_id")
_entry = dict(target="diary_entry", param="entry_id")
ROUTES = [
    route("log_care_record", "POST", "/api/children/<id:child_id>/care-records",
          allow(AUTHORS, **_child), log_care, "记录一次关爱（家访、谈心、电话联系、资助等）",
          TAG_CARE, body=CareRecordBody, response=views.CareRecord, status=201, audit=True),
    route("get_care_record", "GET", "/api/care-records/<id:record_id>",
          allow(CARERS, **_record), get_care, "关爱记录", TAG_CARE, query=HistoryQuery,
          response=views.CareRecord, audit=True),
    route("revise_care_record", "PATCH", "/api/care-records/<id:record_id>",
          allow(AUTHORS, **_record), revise_care, "修改关爱记录（本人或学校管理员）", TAG_CARE,
          body=CareRevision, response=views.CareRecord, audit=True),
    route("delete_care_record", "POST", "/api/care-records/<id:record_id>/delete",
          allow(AUTHORS, **_record), delete_care, "删除关爱记录（保留痕迹）", TAG_CARE,
          body=CareDeletion, response=views.Object, audit=True),
    route("complete_follow_up", "POST",
          "/api/care-records/<id:record_id>/follow-ups/<id:action_id>/done",
          allow(AUTHORS, **_record), complete_follow_up, "完成一项后续跟进", TAG_CARE,
          response=views.CareRecord, audit=True),
    route("add_diary_entry", "POST", "/api/children/<id:child_id>/diary",
          allow(AUTHORS, **_child), add_diary, "写成长日记", TAG_DIARY, body=DiaryBody,
          response=views.DiaryEntry, status=201, audit=True),
    route("get_diary_entry", "GET", "/api/diary/<id:entry_id>", allow(CARERS, **_entry),
          get_diary, "成长日记", TAG_DIARY, query=HistoryQuery, response=views.DiaryEntry,
          audit=True),
    route("revise_diary_entry", "PATCH", "/api/diary/<id:entry_id>", allow(AUTHORS, **_entry),
          revise_diary, "修改成长日记", TAG_DIARY, body=DiaryRevision,
          response=views.DiaryEntry, audit=True),
    route("delete_diary_entry", "POST", "/api/diary/<id:entry_id>/delete",
          allow(AUTHORS, **_entry), delete_diary, "删除成长日记（保留痕迹）", TAG_DIARY,
          body=DiaryDeletion, response=views.Object, audit=True),
    route("timeline", "GET", "/api/children/<id:child_id>/timeline", allow(CARERS, **_child),
          timeline, "儿童时间线（关爱、日记、活动、获奖，最新在前）", TAG_VIEWS,
          query=TimelineQuery, response=views.Timeline, audit=True),
    route("last_contacts", "GET", "/api/schools/<id:school_id>/last-contacts",
          allow(ADMINS | TEACHERS, target="school"), last_contacts,
          "每名儿童最近一次联系及是否逾期", TAG_VIEWS, response=views.Object, many=True,
          audit=True),
    route("flagged_records", "GET", "/api/schools/<id:school_id>/flagged-records",
          allow(ADMINS, target="school"), flagged, "需关注的记录（非结对人填写等）", TAG_VIEWS,
          query=FlaggedQuery, response=views.Object, many=True, audit=True),
]
