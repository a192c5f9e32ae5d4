"""Honours and outcomes: awards to children (自强少年 …) and teachers, term assessments
(成绩 and 行为习惯) (activities service)."""
from gateway import views
from gateway.authorisation import ADMINS, CARERS, SCHOOL_STAFF, TEACHERS, allow
from gateway.routing import route
from gateway.schemas import AssessmentBody, AwardBody

TAG = "荣誉与成绩"


def _listing(answer):
    return answer if isinstance(answer, dict) else {"items": answer, "next_cursor": None}


def child_awards(call):
    return _listing(call.activities.list_awards({"child_id": call.target["id"]}))


def grant_child_award(call):
    return call.activities.grant_award(call.forward(
        recipient_type="child", child_id=call.target["id"], recorded_by=call.principal.actor_id))


def staff_awards(call):
    return _listing(call.activities.list_awards({"staff_id": call.target["id"]}))


def grant_staff_award(call):
    return call.activities.grant_award(call.forward(
        recipient_type="staff", staff_id=call.target["id"], recorded_by=call.principal.actor_id))


def school_awards(call):
    answer = _listing(call.activities.list_awards({"school_id": call.target["id"]}))
    call.note(child_ids=[a["child_id"] for a in answer.get("items", []) if a.get("child_id")])
    return answer


def assessments(call):
    return call.activities.assessments_of({"child_id": call.target["id"]})


def record_assessment(call):
    return call.activities.record_assessment(call.forward(
        child_id=call.target["id"], recorded_by=call.principal.actor_id))


_child = dict(target="child_ref", param="child_id")
ROUTES = [
    route("child_awards", "GET", "/api/children/<id:child_id>/awards",
          allow(CARERS, **_child), child_awards, "儿童获得的荣誉", TAG, response=views.Award,
          many=True, audit=True),
    route("grant_child_award", "POST", "/api/children/<id:child_id>/awards",
          allow(ADMINS | TEACHERS, **_child), grant_child_award, "登记儿童获奖（如自强少年）", TAG,
          body=AwardBody, response=views.Award, status=201, audit=True),
    route("staff_awards", "GET", "/api/staff/<id:staff_id>/awards",
          allow(ADMINS | SCHOOL_STAFF, target="staff"), staff_awards, "教师获得的荣誉", TAG,
          response=views.Award, many=True),
    route("grant_staff_award", "POST", "/api/staff/<id:staff_id>/awards",
          allow(ADMINS, target="staff"), grant_staff_award, "登记教师获奖（优秀帮扶教师等）", TAG,
          body=AwardBody, response=views.Award, status=201),
    route("school_awards", "GET", "/api/schools/<id:school_id>/awards",
          allow(ADMINS, target="school"), school_awards, "学校的全部荣誉", TAG,
          response=views.Award, many=True, audit=True),
    route("assessments", "GET", "/api/children/<id:child_id>/assessments",
          allow(CARERS, **_child), assessments, "各学期成绩与行为评价（含变化）", TAG,
          response=views.Object, audit=True),
    route("record_assessment", "POST", "/api/children/<id:child_id>/assessments",
          allow(ADMINS | TEACHERS, **_child), record_assessment, "登记学期成绩与行为评价", TAG,
          body=AssessmentBody, response=views.Object, status=201, audit=True),
]
