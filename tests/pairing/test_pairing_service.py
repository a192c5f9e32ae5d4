"""The pairing service on the real broker and the MongoDB stand-in: registry events in,
RPC commands with clear errors, pairing events out."""
from nameko.exceptions import RemoteError

from carekit.errors import parse_remote_error
from carekit.testing.plugin import wait_for
from pairing.service import PairingService
from tests.pairing import factory


def call(proxy, method, payload):
    """RPC call; a refused one returns the error body instead of raising."""
    try:
        return getattr(proxy.pairing, method)(payload)
    except RemoteError as exc:
        return {"refused": parse_remote_error(exc)}


def test_commands_plans_and_reactions_end_to_end(run_service, rpc, service_config, service_db,
                                                 registry, watch):
    run_service(PairingService, service_config)  # declares its queues before publishing
    registry("SchoolRegistered", factory.school("s1"))
    for tid in ("t1", "t2"):
        registry("StaffRegistered", factory.staff(tid, class_ids=["c1"]))
    registry("ClassCreated", factory.klass("c1", head_teacher_id="t1"))
    kids = ["k{}".format(i) for i in range(5)]
    for kid in kids:
        registry("ChildRegistered", factory.registered(kid))
    counts = {"children": 5, "staff": 2, "classes": 1, "schools": 1}
    wait_for(lambda: all(service_db[c].count_documents({}) == n for c, n in counts.items()),
             message="projection")
    with rpc(service_config) as proxy:
        assert call(proxy, "set_policy", {"county_id": factory.COUNTY, "mentor_scope": "all",
                                          "by": "bureau"})["policy"]["version"] == 1
        bad = call(proxy, "assign_mentor", {"child_id": "", "colour": "red"})["refused"]
        assert bad["code"] == "validation_failed"
        assert sorted((e["field"], e["code"]) for e in bad["errors"]) == [
            ("child_id", "required"), ("colour", "unknown_field"), ("teacher_id", "required")]
        assert all(e["message"] for e in bad["errors"])
        done = call(proxy, "assign_mentor", {"child_id": "k0", "teacher_id": "t2"})
        assert done["partner_id"] == "t2" and done["active"] is True
        twice = call(proxy, "assign_mentor", {"child_id": "k0", "teacher_id": "t1"})["refused"]
        assert [(e["field"], e["code"]) for e in twice["errors"]] == [
            ("child_id", "already_has_mentor")]
        assert "只能有一位帮扶教师" in twice["errors"][0]["message"]
        plan = call(proxy, "propose_plan", {"school_id": "s1", "by": "principal"})
        assert plan["summary"] == dict(plan["summary"], children=4, paired=4, unpaired=0)
        assert {p["teacher_id"] for p in plan["pairs"] if p["reason"] == "head_teacher"} == {"t1"}
        assert call(proxy, "apply_plan", {"plan_id": plan["plan_id"]})["status"] == "applied"
        loads = {t["teacher_id"]: t["load"] for t in call(proxy, "teacher_load",
                                                          {"school_id": "s1"})["items"]}
        assert loads == {"t1": 3, "t2": 2}
        assert call(proxy, "unpaired_children", {"school_id": "s1"})["items"] == []
    registry("StaffLeft", factory.staff_left("t1", class_ids=["c1"]))

    def pairing_ended():
        found = [d for n, d in watch() if n == "PairingEnded"]
        return found if len(found) >= 3 else None
    ended = wait_for(pairing_ended, message="three PairingEnded on the bus")
    assert {(d["kind"], d["reason"], d["partner_id"]) for d in ended} == {
        ("mentor", "teacher_left", "t1")}
    assert len({d["child_id"] for d in ended}) == 3
    names = [n for n, _ in watch()]
    assert names.count("MentorAssigned") == 5 and names.count("MentorReleased") == 3
    with rpc(service_config) as proxy:
        waiting = call(proxy, "unpaired_children", {"school_id": "s1"})["items"]
        assert sorted(c["child_id"] for c in waiting) == sorted(d["child_id"] for d in ended)


def test_registry_events_twice_and_out_of_order_through_the_broker(run_service, service_config,
                                                                     service_db, registry):
    run_service(PairingService, service_config)
    newer = registry("ChildUpdated", factory.updated("k1", version=2, name="改过的名字"))
    registered = registry("ChildRegistered", factory.registered("k1", name="原来的名字"))
    registry("ChildUpdated", None, envelope=newer)           # redelivered
    registry("ChildRegistered", None, envelope=registered)   # redelivered
    wait_for(lambda: service_db.processed_events.count_documents({"status": "done"}) == 2,
             message="both handled")
    child = service_db.children.find_one({"_id": "k1"})
    assert (child["name"], child["version"], child["eligible_since"]) == (
        "改过的名字", 2, "2026-09-01")
