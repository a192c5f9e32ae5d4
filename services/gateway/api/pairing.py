"""Pairing (结对帮扶): county policy, 典型 children per class, mentors, hand-in-hand
friends, proxy parents, automatic plans, coverage (pairing service)."""
from gateway import errors, views
from gateway.authorisation import ADMINS, AGGREGATES, ALL, CARERS, COUNTY_ONLY, HEAD_TEACHER, \
    allow
from gateway.routing import route
from gateway.schemas import BuddyBody, MentorBody, PagingQuery, PairingsQuery, PolicyBody, \
    PriorityBody, ProxyParentBody, ReleaseBody, UnpairedQuery

TAG = "结对帮扶"
RELEASE = {"mentor": "release_mentor", "buddy": "unpair_buddy",
           "proxy_parent": "release_proxy_parent"}


def _changed(call, result):
    call.deps.lookups.forget_reach()  # mentees and entrusted children changed
    return result


def get_policy(call):
    return call.pairing.get_policy({"county_id": call.principal.county_id})


def set_policy(call):
    return call.pairing.set_policy(call.forward(county_id=call.principal.county_id,
                                                by=call.principal.actor_id))


def recommend_priority(call):
    result = call.pairing.recommend_priority(call.forward(class_id=call.target["id"],
                                                          by=call.principal.actor_id))
    call.note(child_ids=call.body["child_ids"])
    return result


def _paged(call, method, **where):
    """A page of a paged pairing list, the query string passed through."""
    query = {k: v for k, v in call.raw_query.items() if v is not None}
    answer = getattr(call.pairing, method)(dict(query, **where))
    call.note(child_ids=[row["child_id"] for row in answer["items"] if row.get("child_id")])
    return answer


def school_pairings(call):
    return _paged(call, "pairings", school_id=call.target["id"])


def child_pairings(call):
    return _paged(call, "pairings", child_id=call.target["id"])


def unpaired(call):
    q = call.query
    if q.get("class_id"):
        klass = call.scope.klass(q["class_id"])
        if klass["school_id"] != call.target["id"]:
            raise errors.Invalid.single("class_id", "unknown_class", "班级不属于该学校")
        return _paged(call, "unpaired_children")
    return _paged(call, "unpaired_children", school_id=call.target["id"])


def teacher_load(call):
    return _paged(call, "teacher_load", school_id=call.target["id"])


def coverage(call):
    return call.pairing.coverage({"school_id": call.target["id"]})


def over_capacity(call):
    return _paged(call, "over_capacity", school_id=call.target["id"])


def assign_mentor(call):
    return _changed(call, call.pairing.assign_mentor(call.forward(by=call.principal.actor_id)))


def pair_buddy(call):
    return _changed(call, call.pairing.pair_buddy(call.forward(by=call.principal.actor_id)))


def assign_proxy_parent(call):
    return _changed(call, call.pairing.assign_proxy_parent(
        call.forward(by=call.principal.actor_id)))


def release(call):
    pairing_id = call.path["pairing_id"]
    found = [p for p in call.pairing.every_page("pairings", {"school_id": call.target["id"]})
             if p["pairing_id"] == pairing_id]
    if not found:
        raise errors.NotFound(message="找不到该结对")
    call.note(child_ids=[found[0]["child_id"]])
    method = getattr(call.pairing, RELEASE[found[0]["kind"]])
    return _changed(call, method(call.forward(pairing_id=pairing_id,
                                              by=call.principal.actor_id)))


def propose_plan(call):
    return call.pairing.propose_plan({"school_id": call.target["id"],
                                      "by": call.principal.actor_id})


def get_plan(call):
    return call.target


def apply_plan(call):
    return _changed(call, call.pairing.apply_plan({"plan_id": call.target["plan_id"],
                                                   "by": call.principal.actor_id}))


def discard_plan(call):
    return call.pairing.discard_plan({"plan_id": call.target["plan_id"],
                                      "by": call.principal.actor_id})


_school = dict(target="school")
_body_child = dict(target="child", param="child_id")
ROUTES = [
    route("get_policy", "GET", "/api/pairing/policy", allow(ALL), get_policy,
          "县结对政策（每位教师帮扶人数、每班典型儿童数等）", TAG, response=views.Policy),
    route("set_policy", "PATCH", "/api/pairing/policy", allow(COUNTY_ONLY), set_policy,
          "修改县结对政策", TAG, body=PolicyBody, response=views.PolicyChange),
    route("recommend_priority", "POST", "/api/classes/<id:class_id>/priority",
          allow(ADMINS | {HEAD_TEACHER}, target="class"), recommend_priority,
          "推荐本班典型儿童（4-5 名）", TAG, body=PriorityBody, response=views.Object,
          audit=True),
    route("school_pairings", "GET", "/api/schools/<id:school_id>/pairings",
          allow(ADMINS, **_school), school_pairings, "学校的结对", TAG, query=PairingsQuery,
          response=views.Pairing, many=True, audit=True),
    route("child_pairings", "GET", "/api/children/<id:child_id>/pairings",
          allow(CARERS, target="child_ref", param="child_id"), child_pairings,
          "儿童的帮扶教师、好朋友和代理家长", TAG, query=PairingsQuery,
          response=views.Pairing, many=True, audit=True),
    route("unpaired_children", "GET", "/api/schools/<id:school_id>/unpaired",
          allow(ADMINS, **_school), unpaired, "尚未结对的儿童（等待最久的在前）", TAG,
          query=UnpairedQuery, response=views.Object, many=True, audit=True),
    route("teacher_load", "GET", "/api/schools/<id:school_id>/teacher-load",
          allow(ADMINS, **_school), teacher_load, "教师帮扶人数", TAG, query=PagingQuery,
          response=views.Object, many=True),
    route("over_capacity", "GET", "/api/schools/<id:school_id>/over-capacity",
          allow(ADMINS, **_school), over_capacity, "超出帮扶人数上限的教师", TAG, query=PagingQuery,
          response=views.Object, many=True),
    route("coverage", "GET", "/api/schools/<id:school_id>/coverage",
          allow(AGGREGATES, **_school), coverage, "结对覆盖情况（统计数）", TAG,
          response=views.Coverage),
    route("assign_mentor", "POST", "/api/pairings/mentors", allow(ADMINS, **_body_child),
          assign_mentor, "指定帮扶教师", TAG, body=MentorBody, response=views.Object,
          status=201, audit=True),
    route("pair_buddy", "POST", "/api/pairings/buddies",
          allow(ADMINS | {HEAD_TEACHER}, **_body_child), pair_buddy, "结对手拉手好朋友", TAG,
          body=BuddyBody, response=views.Object, status=201, audit=True),
    route("assign_proxy_parent", "POST", "/api/pairings/proxy-parents",
          allow(ADMINS, **_body_child), assign_proxy_parent, "指定代理家长", TAG,
          body=ProxyParentBody, response=views.Object, status=201, audit=True),
    route("release_pairing", "POST", "/api/schools/<id:school_id>/pairings/<id:pairing_id>/release",
          allow(ADMINS, **_school), release, "结束结对", TAG, body=ReleaseBody,
          response=views.Object, audit=True),
    route("propose_plan", "POST", "/api/schools/<id:school_id>/pairing-plans",
          allow(ADMINS, **_school), propose_plan, "生成自动结对方案（待审核）", TAG,
          response=views.Plan, status=201, audit=True),
    route("get_plan", "GET", "/api/pairing-plans/<id:plan_id>", allow(ADMINS, target="plan"),
          get_plan, "查看结对方案（每一对及理由）", TAG, response=views.Plan, audit=True),
    route("apply_plan", "POST", "/api/pairing-plans/<id:plan_id>/apply",
          allow(ADMINS, target="plan"), apply_plan, "执行结对方案（全部或全不）", TAG,
          response=views.Object, audit=True),
    route("discard_plan", "POST", "/api/pairing-plans/<id:plan_id>/discard",
          allow(ADMINS, target="plan"), discard_plan, "放弃结对方案", TAG,
          response=views.Object),
]
