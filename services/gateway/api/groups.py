"""Group activities (主题班队会, 节日活动, 比赛, 读书 …), attendance and the teachers' duty
rota (轮流值日) (activities service)."""
from gateway import views
from gateway.authorisation import ADMINS, CARERS, SCHOOL_STAFF, STAFF_AND_ADMINS, VOLUNTEER, \
    allow
from gateway.routing import route
from gateway.schemas import ActivityBody, ActivityCancel, ActivityChanges, AttendanceBody, \
    CalendarQuery, DateQuery, DutyRotaBody

TAG = "集体活动与值日"


def calendar(call):
    answer = call.activities.activity_calendar(dict(call.raw_query, school_id=call.target["id"]))
    return answer if isinstance(answer, dict) else {"items": answer, "next_cursor": None}


def schedule(call):
    return call.activities.schedule_activity(call.forward(
        school_id=call.target["id"], scheduled_by=call.principal.actor_id))


def get_activity(call):
    return call.target


def reschedule(call):
    return call.activities.reschedule_activity(call.forward(
        activity_id=call.target["id"], changed_by=call.principal.actor_id))


def cancel(call):
    return call.activities.cancel_activity(call.forward(
        activity_id=call.target["id"], cancelled_by=call.principal.actor_id))


def attendance(call):
    call.note(child_ids=[mark["child_id"] for mark in call.body["attendance"]])
    return call.activities.record_attendance(call.forward(
        activity_id=call.target["id"], taken_by=call.principal.actor_id))


def get_rota(call):
    return call.activities.get_duty_rota(dict(call.raw_query, school_id=call.target["id"]))


def set_rota(call):
    return call.activities.set_duty_rota(call.forward(school_id=call.target["id"],
                                                      set_by=call.principal.actor_id))


def on_duty(call):
    answer = call.activities.on_duty(dict(call.raw_query, school_id=call.target["id"]))
    return answer if isinstance(answer, dict) else {"items": answer, "next_cursor": None}


_school = dict(target="school")
_activity = dict(target="activity")
ROUTES = [
    route("activity_calendar", "GET", "/api/schools/<id:school_id>/activities",
          allow(CARERS, **_school), calendar, "学校活动日程", TAG, query=CalendarQuery,
          response=views.Object),
    route("schedule_activity", "POST", "/api/schools/<id:school_id>/activities",
          allow(STAFF_AND_ADMINS, **_school), schedule, "安排活动", TAG, body=ActivityBody,
          response=views.Activity, status=201),
    route("get_activity", "GET", "/api/activities/<id:activity_id>",
          allow(CARERS, **_activity), get_activity, "活动详情", TAG, response=views.Activity),
    route("reschedule_activity", "PATCH", "/api/activities/<id:activity_id>",
          allow(STAFF_AND_ADMINS, **_activity), reschedule, "调整活动", TAG,
          body=ActivityChanges, response=views.Activity),
    route("cancel_activity", "POST", "/api/activities/<id:activity_id>/cancel",
          allow(STAFF_AND_ADMINS, **_activity), cancel, "取消活动", TAG, body=ActivityCancel,
          response=views.Activity),
    route("record_attendance", "PUT", "/api/activities/<id:activity_id>/attendance",
          allow(STAFF_AND_ADMINS, **_activity), attendance, "登记留守儿童出席（整份名单）", TAG,
          body=AttendanceBody, response=views.Activity, audit=True),
    route("get_duty_rota", "GET", "/api/schools/<id:school_id>/duty-rota",
          allow(CARERS, **_school), get_rota, "教师轮流值日表", TAG, query=DateQuery,
          response=views.Object),
    route("set_duty_rota", "PUT", "/api/schools/<id:school_id>/duty-rota",
          allow(ADMINS, **_school), set_rota, "设置值日表", TAG, body=DutyRotaBody,
          response=views.Object),
    route("on_duty", "GET", "/api/schools/<id:school_id>/on-duty",
          allow(SCHOOL_STAFF | ADMINS | {VOLUNTEER}, **_school), on_duty, "某天值日的教师", TAG,
          query=DateQuery, response=views.Object),
]
