"""Care records over RPC on the real broker and the MongoDB stand-in: logging, flagging,
validation, aid, edits with history, soft delete, follow-ups, retried commands."""
import json

from carekit.testing.plugin import wait_for
from tests.activities.support import days_ago, hours_ago, published

SECRET_NOTE = "奶奶说孩子最近晚上常哭，想妈妈"


def talk(school, child=0, by=None, **extra):
    payload = {"child_id": school.child_ids[child], "by_id": by or school.teacher_ids[child],
               "kind": "talk", "occurred_at": hours_ago(2), "duration_minutes": 20,
               "place": "学生活动室", "notes": SECRET_NOTE, "wellbeing": 3}
    payload.update(extra)
    return payload


def school_state(world, school):
    """Everything the service stored about this school's children."""
    records = world.db.care_records.count_documents({"school_id": school.school_id})
    events = sum(1 for env in world.events_named("VisitLogged")
                 if env["data"]["school_id"] == school.school_id)
    return records, events


def test_a_mentors_talk_is_stored_and_published_without_notes(world, school):
    record = world.call("log_care_record", talk(school))
    assert record["kind"] == "talk" and record["kind_label"] == "谈心"
    assert record["by_role"] == "mentor" and record["flagged"] is False
    assert record["revision"] == 1 and record["notes"] == SECRET_NOTE
    assert record["school_id"] == school.school_id
    logged = wait_for(lambda: world.db.event_log.find_one(
        {"name": "VisitLogged", "envelope.data.record_id": record["id"], "status": "sent"}),
        message="VisitLogged relayed")
    data = logged["envelope"]["data"]
    assert data["child_id"] == school.child_ids[0] and data["by_role"] == "mentor"
    assert data["kind"] == "talk" and data["duration_minutes"] == 20 and data["wellbeing"] == 3
    wire = json.dumps(logged["envelope"], ensure_ascii=False)
    assert SECRET_NOTE not in wire and "学生活动室" not in wire and "notes" not in data
    assert logged["envelope"]["subject"] == school.child_ids[0]


def test_records_by_others_are_accepted_but_flagged(world, school):
    other_teacher = world.call("log_care_record", talk(school, by=school.teacher_ids[2]))
    assert other_teacher["flagged"] is True and other_teacher["by_role"] == "other"
    assert other_teacher["flag_reasons"] == ["not_paired"]
    proxy = world.call("log_care_record", talk(school, by=school.volunteer_id,
                                               kind="home_visit"))
    assert proxy["by_role"] == "proxy_parent" and proxy["flagged"] is False
    flagged = world.call("flagged_records", {"school_id": school.school_id})
    assert [r["id"] for r in flagged["records"]] == [other_teacher["id"]]


def test_bad_input_names_each_field_and_stores_nothing(world, school):
    before = school_state(world, school)
    cases = [
        ({"child_id": None}, "child_id", "null"),
        ({"kind": "chat"}, "kind", "not_allowed"),
        ({"occurred_at": "yesterday"}, "occurred_at", "not_datetime"),
        ({"occurred_at": hours_ago(-3)}, "occurred_at", "in_future"),
        ({"occurred_at": days_ago(400) + "T10:00:00+08:00"}, "occurred_at",
         "before_registration"),
        ({"wellbeing": 9}, "wellbeing", "out_of_range"),
        ({"duration_minutes": -5}, "duration_minutes", "out_of_range"),
        ({"mood": "好"}, "mood", "unknown_field"),
        ({"kind": "aid"}, "aid", "required"),
        ({"aid": {"form": "money", "amount": "50", "donor_type": "school"}}, "aid",
         "not_allowed"),
        ({"kind": "aid", "aid": {"form": "money", "donor_type": "school"}}, "aid.amount",
         "required"),
        ({"child_id": "no-such-child"}, "child_id", "unknown_child"),
        ({"by_id": "no-such-person"}, "by_id", "unknown_person"),
        ({"follow_ups": [{"action": "再家访", "owner_id": "nobody", "due_on": days_ago(-3)}]},
         "follow_ups.0.owner_id", "unknown_person"),
        ({"follow_ups": [{"owner_id": "x", "due_on": "soon"}]}, "follow_ups.0.action",
         "required"),
    ]
    for change, field, code in cases:
        error = world.error("log_care_record", talk(school, **change))
        assert error["code"] == "validation_failed", (change, error)
        assert {"field": field, "code": code} in [
            {"field": e["field"], "code": e["code"]} for e in error["errors"]], (change, error)
        assert all(e["message"] for e in error["errors"])
    several = world.error("log_care_record", {"kind": "chat", "wellbeing": 0})
    assert {e["field"] for e in several["errors"]} >= {"child_id", "by_id", "occurred_at",
                                                        "kind", "wellbeing"}
    assert world.error("log_care_record", "not a dict")["errors"][0]["code"] == "not_object"
    assert school_state(world, school) == before == (0, 0)


def test_aid_is_published_in_fen_without_the_donors_name(world, school):
    record = world.call("log_care_record", talk(school, kind="aid", aid={
        "form": "money", "amount": "200.50", "donor_type": "enterprise",
        "donor_name": "某某爱心企业"}))
    assert record["aid"]["amount_fen"] == 20050 and record["aid"]["amount_yuan"] == "200.50"
    envelopes = wait_for(lambda: [e for e in world.events_named("AidDistributed")
                                  if e["data"]["aid_id"] == record["id"]], message="aid event")
    assert envelopes[0]["data"]["amount_fen"] == 20050
    assert envelopes[0]["data"]["donor_type"] == "enterprise" and \
        envelopes[0]["data"]["form"] == "money"
    assert "某某爱心企业" not in json.dumps(envelopes[0], ensure_ascii=False)
    goods = world.call("log_care_record", talk(school, kind="aid", aid={
        "form": "goods", "items": "书包、文具", "quantity": 2, "donor_type": "school"}))
    assert goods["aid"]["amount_fen"] is None and goods["aid"]["quantity"] == 2


def test_an_edit_keeps_history_and_publishes_the_revision(world, school):
    record = world.call("log_care_record", talk(school))
    revised = world.call("revise_care_record", {
        "record_id": record["id"], "revision": 1, "edited_by": school.teacher_ids[0],
        "reason": "补充", "changes": {"notes": "改过的记录", "kind": "study_guidance"}})
    assert revised["revision"] == 2 and revised["notes"] == "改过的记录"
    assert revised["kind"] == "study_guidance"
    stale = world.error("revise_care_record", {
        "record_id": record["id"], "revision": 1, "edited_by": school.teacher_ids[0],
        "changes": {"notes": "晚了一步"}})
    assert stale["code"] == "stale_revision" and stale["detail"]["current_revision"] == 2
    full = world.call("get_care_record", {"id": record["id"], "with_history": True})
    assert [h["revision"] for h in full["history"]] == [1]
    assert full["history"][0]["notes"] == SECRET_NOTE and full["history"][0]["kind"] == "talk"
    assert full["history"][0]["replaced_by"] == school.teacher_ids[0]
    event = wait_for(lambda: [e for e in world.events_named("VisitRevised")
                              if e["data"]["record_id"] == record["id"]], message="revised")[0]
    assert event["data"]["revision"] == 2 and event["data"]["kind"] == "study_guidance"
    assert sorted(event["data"]["changed_fields"]) == ["kind", "notes"]
    later = world.error("revise_care_record", {
        "record_id": record["id"], "revision": 2, "edited_by": school.teacher_ids[0],
        "changes": {"occurred_at": hours_ago(-48)}})
    assert later["errors"][0]["field"] == "occurred_at"
    unchanged = world.call("revise_care_record", {
        "record_id": record["id"], "revision": 2, "edited_by": school.teacher_ids[0],
        "changes": {"notes": "改过的记录"}})
    assert unchanged["revision"] == 2  # nothing changed: no new revision, no event


def test_moving_a_record_to_another_author_reflags_it(world, school):
    record = world.call("log_care_record", talk(school))
    moved = world.call("revise_care_record", {
        "record_id": record["id"], "revision": 1, "edited_by": school.teacher_ids[0],
        "changes": {"by_id": school.teacher_ids[2]}})
    assert moved["flagged"] is True and moved["by_role"] == "other"


def test_soft_delete_needs_a_reason_and_keeps_the_record(world, school):
    record = world.call("log_care_record", talk(school))
    error = world.error("delete_care_record", {"record_id": record["id"],
                                               "deleted_by": school.teacher_ids[0]})
    assert error["errors"][0]["field"] == "reason_code"
    deleted = world.call("delete_care_record", {
        "record_id": record["id"], "deleted_by": school.teacher_ids[0],
        "reason_code": "duplicate", "reason": "重复录入"})
    assert deleted["deleted"] is True and deleted["revision"] == 2
    again = world.call("delete_care_record", {
        "record_id": record["id"], "deleted_by": school.teacher_ids[0],
        "reason_code": "duplicate"})
    assert again["revision"] == 2
    assert world.call("get_care_record", {"id": record["id"]})["delete_reason"] == "重复录入"
    assert world.error("revise_care_record", {
        "record_id": record["id"], "revision": 2, "edited_by": school.teacher_ids[0],
        "changes": {"notes": "x"}})["code"] == "deleted"
    assert world.call("timeline", {"child_id": school.child_ids[0]})["items"] == []
    wait_for(lambda: len([e for e in world.events_named("VisitDeleted")
                          if e["data"]["record_id"] == record["id"]]) == 1,
             message="one VisitDeleted")
    assert world.error("get_care_record", {"id": "cr_nothing"})["code"] == "not_found"


def test_follow_up_actions_have_owner_and_due_date_and_can_be_completed(world, school):
    record = world.call("log_care_record", talk(school, kind="behaviour_followup", follow_ups=[
        {"action": "下周再家访一次", "owner_id": school.teacher_ids[0], "due_on": days_ago(-7)},
        {"action": "与班主任沟通", "owner_id": school.teacher_ids[1], "due_on": days_ago(-3)}]))
    first, second = record["follow_ups"]
    assert first["owner_id"] == school.teacher_ids[0] and first["done"] is False
    done = world.call("complete_follow_up", {"record_id": record["id"],
                                             "action_id": second["action_id"],
                                             "done_by": school.teacher_ids[1]})
    assert [f["done"] for f in done["follow_ups"]] == [False, True]
    assert done["follow_ups"][1]["done_by"] == school.teacher_ids[1]
    assert done["revision"] == 2
    event = wait_for(lambda: [e for e in world.events_named("VisitRevised")
                              if e["data"]["record_id"] == record["id"]], message="revised")[0]
    assert [f["done"] for f in event["data"]["follow_ups"]] == [False, True]
    assert "下周再家访一次" not in json.dumps(event, ensure_ascii=False)
    # v2: how many are open and when the next is due, for reminders without the notes
    assert record["open_follow_ups"] == 2 and record["next_follow_up_due_on"] == days_ago(-3)
    logged = published(world, "VisitLogged", record_id=record["id"])[0]
    assert logged["dataschema"].endswith(":v2")
    assert (logged["data"]["open_follow_ups"], logged["data"]["next_follow_up_due_on"]) == (
        2, days_ago(-3))
    revised = published(world, "VisitRevised", record_id=record["id"])[0]
    assert (revised["data"]["open_follow_ups"], revised["data"]["next_follow_up_due_on"]) == (
        1, days_ago(-7))
    last = world.call("complete_follow_up", {"record_id": record["id"],
                                             "action_id": first["action_id"],
                                             "done_by": school.teacher_ids[0]})
    assert (last["open_follow_ups"], last["next_follow_up_due_on"]) == (0, None)


def test_a_retried_command_with_the_same_client_id_is_stored_once(world, school):
    payload = talk(school, record_id="phone-" + school.school_id[-10:])
    first = world.call("log_care_record", payload)
    second = world.call("log_care_record", payload)
    assert first["id"] == second["id"]
    assert world.db.care_records.count_documents({"school_id": school.school_id}) == 1
    clash = world.error("log_care_record", dict(payload, kind="home_visit"))
    assert clash["code"] == "duplicate_id"
