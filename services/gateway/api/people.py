"""Staff (teachers, head teachers, school admins) and proxy-parent volunteers (registry)."""
from gateway import views
from gateway.authorisation import ADMINS, SCHOOL_STAFF, VOLUNTEER, allow, \
    require_reveal
from gateway.routing import route
from gateway.schemas import ActiveQuery, LeaveBody, RevealQuery, StaffBody, StaffChanges, \
    VolunteerBody

TAG = "教职工与志愿者"


def _listing(call, method):
    query = {"school_id": call.target["id"]}
    if call.query.get("active") is not None:
        query["active"] = call.query["active"]
    return {"items": call.registry.every_page(method, query), "next_cursor": None}


def list_staff(call):
    return _listing(call, "list_staff")


def register_staff(call):
    return call.registry.register_staff(call.forward(school_id=call.target["id"]))


def _person(call, getter):
    if not call.query.get("reveal"):
        return call.target
    reason = call.query.get("reason")
    require_reveal(call.principal, reason)
    call.note(action="reveal", reason=reason, force=True)
    return getter(call.target["id"], {"reveal": True, "reason": reason})


def get_staff(call):
    return _person(call, call.registry.get_staff)


def update_staff(call):
    staff = call.registry.update_staff(call.target["id"], call.sent)
    call.deps.lookups.forget_reach()  # the classes they teach may have changed
    return staff


def staff_left(call):
    staff = call.registry.staff_left(call.target["id"], call.sent)
    call.deps.lookups.forget_reach()
    return staff


def list_volunteers(call):
    return _listing(call, "list_volunteers")


def register_volunteer(call):
    return call.registry.register_volunteer(call.forward(school_id=call.target["id"]))


def get_volunteer(call):
    return _person(call, call.registry.get_volunteer)


def volunteer_left(call):
    volunteer = call.registry.volunteer_left(call.target["id"], call.sent)
    call.deps.lookups.forget_reach()
    return volunteer


_school = dict(target="school")
ROUTES = [
    route("list_staff", "GET", "/api/schools/<id:school_id>/staff",
          allow(ADMINS | SCHOOL_STAFF, **_school), list_staff, "学校的教职工（电话已遮蔽）", TAG,
          query=ActiveQuery, response=views.Person, many=True),
    route("register_staff", "POST", "/api/schools/<id:school_id>/staff",
          allow(ADMINS, **_school), register_staff, "登记教职工", TAG, body=StaffBody,
          response=views.Person, status=201),
    route("get_staff", "GET", "/api/staff/<id:staff_id>", allow(ADMINS | SCHOOL_STAFF,
                                                                target="staff"),
          get_staff, "教职工（本人或管理员）", TAG, query=RevealQuery, response=views.Person),
    route("update_staff", "PATCH", "/api/staff/<id:staff_id>", allow(ADMINS, target="staff"),
          update_staff, "修改教职工信息", TAG, body=StaffChanges, response=views.Person),
    route("staff_left", "POST", "/api/staff/<id:staff_id>/leave",
          allow(ADMINS, target="staff"), staff_left, "教职工离职（其结对随之结束）", TAG,
          body=LeaveBody, response=views.Person),
    route("list_volunteers", "GET", "/api/schools/<id:school_id>/volunteers",
          allow(ADMINS | SCHOOL_STAFF, **_school), list_volunteers, "学校的代理家长志愿者", TAG,
          query=ActiveQuery, response=views.Person, many=True),
    route("register_volunteer", "POST", "/api/schools/<id:school_id>/volunteers",
          allow(ADMINS, **_school), register_volunteer, "登记代理家长志愿者", TAG,
          body=VolunteerBody, response=views.Person, status=201),
    route("get_volunteer", "GET", "/api/volunteers/<id:volunteer_id>",
          allow(ADMINS | {VOLUNTEER}, target="volunteer"), get_volunteer,
          "志愿者（本人或管理员）", TAG, query=RevealQuery, response=views.Person),
    route("volunteer_left", "POST", "/api/volunteers/<id:volunteer_id>/leave",
          allow(ADMINS, target="volunteer"), volunteer_left, "志愿者不再服务", TAG,
          body=LeaveBody, response=views.Person),
]

