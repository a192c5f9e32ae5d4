"""Who sees which child: reach by role, another school's child answers 404 (like a child
that does not exist) and the attempt is in the audit log; lists show only what is within
reach; the identity reaches the services (registry history names the account)."""
import pytest

from gateway.audit import AUDIT_LOG
from tests.gateway.support import now_iso

# child -> roles that reach it (support.World: a1 mentee of T and proxy child of V in A1
# headed by H; a2 in A1; a3 in A2 taught by T; b1 in school B of the other township)
REACH = {
    "a1": {"county.admin", "township.admin", "school.admin", "head.teacher", "teacher",
           "volunteer"},
    "a2": {"county.admin", "township.admin", "school.admin", "head.teacher"},
    "a3": {"county.admin", "township.admin", "school.admin", "teacher"},
    "b1": {"county.admin", "school.admin.b"},
}
LOGINS = ("county.admin", "township.admin", "school.admin", "school.admin.b", "head.teacher",
          "teacher", "volunteer")


def audit_entries(world, **query):
    return list(world.gateway_db[AUDIT_LOG].find(query).sort("_id", 1))


@pytest.mark.parametrize("username", LOGINS)
def test_each_role_reaches_exactly_its_children(world, username):
    client = world.client(username)
    for child, reached_by in REACH.items():
        child_id = world.ids[child]
        response = client.get("/api/children/" + child_id)
        timeline = client.get("/api/children/{}/timeline".format(child_id))
        if username in reached_by:
            assert response.status_code == 200, (username, child, response.text)
            assert response.json()["id"] == child_id
            assert timeline.status_code == 200, timeline.text
        else:
            assert response.status_code == 404, (username, child, response.text)
            assert response.json() == {"code": "not_found", "message": "找不到该儿童档案"}
            assert timeline.status_code == 404


def test_another_schools_child_is_404_like_a_missing_one_and_audited(world):
    teacher = world.client("teacher")
    other = teacher.get("/api/children/" + world.ids["b1"])
    missing = teacher.get("/api/children/" + "f" * 32)
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()  # nothing tells the two apart

    entries = audit_entries(world, actor="teacher", target_id=world.ids["b1"])
    assert entries, "the refused read is in the audit log"
    entry = entries[-1]
    assert entry["outcome"] == "out_of_scope"
    assert entry["route"] == "get_child" and entry["target_type"] == "child"
    assert entry["child_ids"] == [world.ids["b1"]]
    assert entry["ip"] == "127.0.0.1" and entry["status"] == 404
    missing_entry = audit_entries(world, actor="teacher", target_id="f" * 32)[-1]
    assert missing_entry["outcome"] == "not_found"


def test_records_about_an_unreachable_child_are_404_too(world):
    now = now_iso()
    world.wait_activities_know(world.ids["b1"])
    record = world.rpc.activities.log_care_record({
        "child_id": world.ids["b1"], "by_id": world.ids["TB"], "kind": "home_visit",
        "occurred_at": now})
    assert world.client("school.admin.b").get(
        "/api/care-records/" + record["id"]).status_code == 200
    response = world.client("teacher").get("/api/care-records/" + record["id"])
    assert response.status_code == 404
    entry = audit_entries(world, actor="teacher", target_id=record["id"])[-1]
    assert entry["outcome"] == "out_of_scope" and entry["target_type"] == "care_record"


def test_lists_hold_only_children_within_reach(world):
    ids = world.ids

    def names(response):
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["items"]}
    assert names(world.client("teacher").get("/api/children")) == {ids["a1"], ids["a3"]}
    assert names(world.client("head.teacher").get("/api/children")) == {ids["a1"], ids["a2"]}
    assert names(world.client("volunteer").get("/api/children")) == {ids["a1"]}
    assert names(world.client("school.admin").get("/api/children")) == \
        {ids["a1"], ids["a2"], ids["a3"]}
    county = world.client("county.admin")
    assert names(county.get("/api/children?school_id=" + ids["B"])) == {ids["b1"]}
    assert county.get("/api/children").status_code == 422  # a county is not one list
    assert world.client("teacher").get(
        "/api/children?school_id=" + ids["B"]).status_code == 404
    home = world.client("teacher").get("/api/me/children").json()["items"]
    assert {c["id"]: c["relations"] for c in home} == {ids["a1"]: ["mentee"],
                                                       ids["a3"]: ["class"]}


def test_the_analyst_sees_aggregates_and_no_child(world):
    analyst = world.client("analyst")
    assert analyst.get("/api/schools/{}/coverage".format(world.ids["A"])).status_code == 200
    assert analyst.get("/api/children/" + world.ids["a1"]).status_code == 403
    assert analyst.get("/api/children?school_id=" + world.ids["A"]).status_code == 403


def test_the_callers_identity_reaches_the_registry(world):
    admin = world.client("school.admin")
    response = admin.request("PATCH", "/api/children/" + world.ids["a2"],
                             json={"notes": "性格内向，需多鼓励"})
    assert response.status_code == 200, response.text
    history = world.rpc.registry.child_history(world.ids["a2"])
    assert history[-1]["by"] == "school.admin"
    entry = audit_entries(world, actor="school.admin", route="update_child")[-1]
    assert entry["action"] == "change" and entry["outcome"] == "ok"
    assert entry["child_ids"] == [world.ids["a2"]]


def test_admins_create_accounts_only_within_their_scope(world):
    ids = world.ids
    admin = world.client("school.admin")
    teacher_b = {"username": "zhou.laoshi", "display_name": "周老师", "role": "teacher",
                 "password": "Zhou-laoshi-2026", "school_id": ids["B"], "staff_id": ids["TB"]}
    refused = admin.post("/api/accounts", json=teacher_b)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "unknown_school"
    assert admin.post("/api/accounts", json=dict(
        teacher_b, role="county_admin")).json()["code"] == "role_not_allowed"
    created = world.client("school.admin.b").post("/api/accounts", json=teacher_b)
    assert created.status_code == 201, created.text
    assert created.json()["person_id"] == ids["TB"]
    again = world.client("county.admin").post("/api/accounts", json=dict(
        teacher_b, username="zhou.laoshi2"))
    assert again.status_code == 409 and again.json()["code"] == "person_already_linked"
    assert world.client("zhou.laoshi", "Zhou-laoshi-2026").get("/api/children/" + ids["b1"]).status_code == 200
    listed = {a["username"] for a in world.client("school.admin.b").get(
        "/api/accounts").json()["items"]}
    assert "zhou.laoshi" in listed and "teacher" not in listed


def test_each_reads_their_own_inbox(world):
    """Children waiting for a mentor (a2: recommended, no mentor) are reminded to their school's
    admin (a staff record):
    the school admin's account reads them; nobody else sees that inbox."""
    from carekit.testing.plugin import wait_for
    world.rpc.notifications.set_county_rules({
        "county_id": world.ids["county"], "by": "test",
        "changes": {"unpaired": {"after_days": 0, "escalate_after_days": 1},
                    "schedule": {"sweep_at": "00:00"}}})  # due now, whatever the hour
    admin = world.client("school.admin")

    def reminders():
        page = admin.get("/api/me/inbox").json()
        return page if page["items"] else None
    page = wait_for(reminders, timeout=90, message="reminders in the school admin's inbox")
    assert page["unread"] >= 1 and page["items"][0]["title"]
    mine = {i["id"] for i in page["items"]}
    for other in ("teacher", "school.admin.b", "county.admin"):
        seen = world.client(other).get("/api/me/inbox").json()["items"]
        assert not mine & {i["id"] for i in seen}, other
    first = page["items"][0]["id"]
    from urllib.parse import quote
    assert admin.post("/api/me/inbox/{}/read".format(quote(first, safe=""))).status_code == 204
    after = admin.get("/api/me/inbox?unread_only=true").json()
    assert first not in {i["id"] for i in after["items"]}
    assert admin.post("/api/me/inbox/read-all").status_code == 204
    assert admin.get("/api/me/inbox").json()["unread"] == 0
