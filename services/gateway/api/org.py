"""The county's organisation: county, townships, schools, classes (registry)."""
from gateway import errors, views
from gateway.authorisation import ADMINS, ALL, COUNTY_ONLY, allow
from gateway.routing import route
from gateway.schemas import ClassBody, ClassChanges, SchoolBody, SchoolChanges, \
    SchoolsQuery, TownshipBody

TAG = "组织机构"


def _all(items):
    return {"items": items, "next_cursor": None}


def list_counties(call):
    return _all([c for c in call.registry.list_counties()
                 if c["id"] == call.principal.county_id])


def list_townships(call):
    return _all(call.registry.every_page("list_townships", {"county_id": call.principal.county_id}))


def create_township(call):
    return call.registry.create_township(call.forward(county_id=call.principal.county_id))


def list_schools(call):
    schools = call.scope.schools()
    if call.query.get("township_id"):
        schools = [s for s in schools if s["township_id"] == call.query["township_id"]]
    return _all(sorted(schools, key=lambda s: s.get("code") or ""))


def register_school(call):
    townships = {t["id"] for t in call.registry.every_page(
        "list_townships", {"county_id": call.principal.county_id})}
    if call.body["township_id"] not in townships:
        raise errors.Invalid.single("township_id", "unknown_township", "乡镇不存在或不在本县")
    school = call.registry.register_school(call.sent)
    call.deps.lookups.schools.forget(call.principal.county_id)
    return school


def get_school(call):
    return call.target


def update_school(call):
    school = call.registry.update_school(call.target["id"], call.sent)
    call.deps.lookups.schools.forget(call.principal.county_id)
    return school


def list_classes(call):
    return _all(call.scope.classes_of(call.target["id"]))


def create_class(call):
    klass = call.registry.create_class(call.forward(school_id=call.target["id"]))
    call.deps.lookups.classes.forget(call.target["id"])
    return klass


def update_class(call):
    klass = call.registry.update_class(call.target["id"], call.sent)
    call.deps.lookups.classes.forget(call.target["school_id"])
    call.deps.lookups.forget_reach()  # a new head teacher reaches the class
    return klass


_school = dict(target="school")
ROUTES = [
    route("list_counties", "GET", "/api/counties", allow(ALL), list_counties, "本县", TAG,
          response=views.County, many=True),
    route("list_townships", "GET", "/api/townships", allow(ALL), list_townships, "本县的乡镇",
          TAG, response=views.Township, many=True),
    route("create_township", "POST", "/api/townships", allow(COUNTY_ONLY), create_township,
          "新增乡镇", TAG, body=TownshipBody, response=views.Township, status=201),
    route("list_schools", "GET", "/api/schools", allow(ALL), list_schools,
          "本人范围内的学校", TAG, query=SchoolsQuery, response=views.School, many=True),
    route("register_school", "POST", "/api/schools", allow(COUNTY_ONLY), register_school,
          "登记学校", TAG, body=SchoolBody, response=views.School, status=201),
    route("get_school", "GET", "/api/schools/<id:school_id>", allow(ALL, **_school),
          get_school, "学校", TAG, response=views.School),
    route("update_school", "PATCH", "/api/schools/<id:school_id>",
          allow(COUNTY_ONLY, **_school), update_school, "修改学校信息", TAG, body=SchoolChanges,
          response=views.School),
    route("list_classes", "GET", "/api/schools/<id:school_id>/classes",
          allow(ALL, **_school), list_classes, "学校的班级", TAG, response=views.Class,
          many=True),
    route("create_class", "POST", "/api/schools/<id:school_id>/classes",
          allow(ADMINS, **_school), create_class, "新增班级", TAG, body=ClassBody,
          response=views.Class, status=201),
    route("update_class", "PATCH", "/api/classes/<id:class_id>",
          allow(ADMINS, target="class"), update_class, "更换班主任", TAG, body=ClassChanges,
          response=views.Class),
]
