"""Duty as it happens (代班 and the duty sessions held), the school radio (红领巾广播台),
supplies handed out at an activity, and the term-on-term change of 礼貌/自理/自立自强
(activities service). Everything is scoped to the school in the path (or the activity's)."""
from gateway import views
from gateway.authorisation import ADMINS, CARERS, STAFF_AND_ADMINS, allow
from gateway.routing import route
from gateway.schemas import DimensionQuery, DistributeBody, DutySessionBody, PeriodPage, \
    RadioEpisodeBody, RadioEpisodesQuery, RadioProgrammeBody, SwapBody, SchoolPage

TAG = "值日、广播台与物品发放"


def _school(call):
    return call.target["id"]


def swap(call):
    return call.activities.swap_duty(call.forward(school_id=_school(call),
                                                  by=call.principal.actor_id))


def record_session(call):
    call.note(child_ids=list(call.body.get("child_ids") or []))
    return call.activities.record_duty_session(call.forward(
        school_id=_school(call), recorded_by=call.principal.actor_id))


def sessions(call):
    return call.activities.duty_sessions(dict(call.raw_query, school_id=_school(call)))


def set_programme(call):
    return call.activities.set_radio_programme(call.forward(school_id=_school(call),
                                                            set_by=call.principal.actor_id))


def programmes(call):
    return call.activities.radio_programmes(dict(call.raw_query, school_id=_school(call)))


def record_episode(call):
    return call.activities.record_radio_episode(call.forward(
        school_id=_school(call), recorded_by=call.principal.actor_id))


def episodes(call):
    return call.activities.radio_episodes(dict(call.raw_query, school_id=_school(call)))


def distribute(call):
    call.note(child_ids=list(call.body.get("child_ids") or []))
    return call.activities.distribute_supplies(call.forward(
        activity_id=call.target["id"], distributed_by=call.principal.actor_id))


def dimension_progress(call):
    return call.activities.dimension_progress(dict(call.raw_query, school_id=_school(call)))


_in_school = dict(target="school")
ROUTES = [
    route("swap_duty", "POST", "/api/schools/<id:school_id>/duty-swaps",
          allow(ADMINS, **_in_school), swap, "代班（某天某时段换人值日）", TAG, body=SwapBody,
          response=views.Object, status=201),
    route("record_duty_session", "POST", "/api/schools/<id:school_id>/duty-sessions",
          allow(STAFF_AND_ADMINS, **_in_school), record_session, "登记一次值日（到岗教师、到场儿童）",
          TAG, body=DutySessionBody, response=views.Object, status=201, audit=True),
    route("duty_sessions", "GET", "/api/schools/<id:school_id>/duty-sessions",
          allow(CARERS, **_in_school), sessions, "学校的值日记录", TAG, query=PeriodPage,
          response=views.Object),
    route("set_radio_programme", "PUT", "/api/schools/<id:school_id>/radio-programmes",
          allow(ADMINS, **_in_school), set_programme, "设置广播栏目（如午间书场）", TAG,
          body=RadioProgrammeBody, response=views.Object),
    route("radio_programmes", "GET", "/api/schools/<id:school_id>/radio-programmes",
          allow(CARERS, **_in_school), programmes, "学校的广播栏目", TAG, query=SchoolPage,
          response=views.Object),
    route("record_radio_episode", "POST", "/api/schools/<id:school_id>/radio-episodes",
          allow(STAFF_AND_ADMINS, **_in_school), record_episode, "登记一期广播", TAG,
          body=RadioEpisodeBody, response=views.Object, status=201),
    route("radio_episodes", "GET", "/api/schools/<id:school_id>/radio-episodes",
          allow(CARERS, **_in_school), episodes, "某栏目已播出的各期", TAG,
          query=RadioEpisodesQuery, response=views.Object),
    route("distribute_supplies", "PUT", "/api/activities/<id:activity_id>/supplies",
          allow(STAFF_AND_ADMINS, target="activity"), distribute, "登记活动中发放的学习用品",
          TAG, body=DistributeBody, response=views.Object, audit=True),
    route("dimension_progress", "GET", "/api/schools/<id:school_id>/dimension-progress",
          allow(ADMINS, **_in_school), dimension_progress, "礼貌、自理、自立自强的学期变化",
          TAG, query=DimensionQuery, response=views.Object),
]
