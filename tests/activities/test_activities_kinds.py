"""The kinds of group activity the schools hold (issue 10): a class birthday celebration for
named children of the class, the children's 座谈会 apart from the staff's 研讨会/经验交流 (with
guests), practice activities (送微笑), and theme meetings held by one class."""
from carekit.testing.plugin import wait_for
from tests.activities.support import build_school, hours_ago, published


def activity(school, **extra):
    payload = {"school_id": school.school_id, "title": "活动", "starts_at": hours_ago(2),
               "organiser_id": school.teacher_ids[0], "scheduled_by": school.teacher_ids[0]}
    payload.update(extra)
    return payload


def codes(error):
    return [(e["field"], e["code"]) for e in error["errors"]]


def test_a_class_birthday_celebrates_named_children_of_the_class(world, school):
    c = school.child_ids  # children 0 and 2 are in class 0, 1 and 3 in class 1
    party = world.call("schedule_activity", activity(
        school, kind="class_birthday", title="三月集体生日会", class_ids=[school.class_ids[0]],
        celebrated_child_ids=[c[0], c[2]], birthday_tokens=["cards", "wishes", "gifts"]))
    assert party["kind_label"] == "集体生日会"
    assert party["birthday_token_labels"] == ["贺卡", "生日祝福", "小礼物"]
    world.call("record_attendance", {"activity_id": party["id"], "taken_by": school.teacher_ids[0],
                                     "attendance": [{"child_id": c[0], "status": "present"}]})
    held = published(world, "ActivityHeld", activity_id=party["id"])[-1]
    assert held["dataschema"].endswith(":v2")
    assert held["data"]["celebrated_child_ids"] == [c[0], c[2]]
    assert held["data"]["birthday_tokens"] == ["cards", "wishes", "gifts"]
    # the celebrated child not on the roll still finds the celebration on their timeline
    item = world.call("timeline", {"child_id": c[2], "types": ["activity"]})["items"][0]["item"]
    assert item["celebrated"] is True and item["attendance_status"] is None
    assert "celebrated_child_ids" not in item


def test_a_class_birthday_needs_one_class_and_its_own_children(world, school):
    c = school.child_ids
    other = build_school(world)
    base = activity(school, kind="class_birthday", title="集体生日会",
                    class_ids=[school.class_ids[0]], celebrated_child_ids=[c[0]])
    cases = [({"celebrated_child_ids": []}, ("celebrated_child_ids", "required")),
             ({"celebrated_child_ids": [c[1]]}, ("celebrated_child_ids.0", "other_class")),
             ({"celebrated_child_ids": [other.child_ids[0]]},
              ("celebrated_child_ids.0", "other_school")),
             ({"celebrated_child_ids": [c[0], c[0]]}, ("celebrated_child_ids", "duplicate")),
             ({"class_ids": []}, ("class_ids", "one_class")),
             ({"class_ids": school.class_ids}, ("class_ids", "one_class")),
             ({"birthday_tokens": ["cake"]}, ("birthday_tokens.0", "not_allowed"))]
    for change, expected in cases:
        assert expected in codes(world.error("schedule_activity", dict(base, **change))), change
    error = world.error("schedule_activity", activity(
        school, kind="festival", occasion="childrens_day", celebrated_child_ids=[c[0]]))
    assert codes(error) == [("celebrated_child_ids", "not_allowed")]
    assert world.db.group_activities.count_documents({"school_id": school.school_id}) == 0


def test_forum_and_seminar_are_different_kinds_and_guests_go_on_a_seminar(world, school):
    forum = world.call("schedule_activity", activity(
        school, kind="children_forum", occasion="new_year",
        title="同在蓝天下茁壮成长关爱留守孩子座谈会"))
    assert (forum["kind_label"], forum["occasion_label"]) == ("座谈会", "元旦")
    seminar = world.call("schedule_activity", activity(
        school, kind="staff_seminar", occasion="experience_exchange", title="关爱经验交流会",
        guests=[{"role": "expert", "name": "王老师", "organisation": "县心理健康指导中心"},
                {"role": "leader", "name": "李局长", "organisation": "县教育局"}]))
    assert seminar["occasion_label"] == "经验交流"
    assert [g["role_label"] for g in seminar["guests"]] == ["专家", "领导"]
    event = published(world, "ActivityScheduled", activity_id=seminar["id"])[0]
    assert event["data"]["guest_roles"] == ["expert", "leader"]
    assert "王老师" not in str(event) and "县教育局" not in str(event)
    assert codes(world.error("schedule_activity", activity(
        school, kind="children_forum", guests=[{"role": "expert", "name": "王老师"}]))) == [
        ("guests", "not_allowed")]
    assert codes(world.error("schedule_activity", activity(
        school, kind="staff_seminar", guests=[{"role": "mayor", "name": ""}]))) == [
        ("guests.0.name", "too_short"), ("guests.0.role", "not_allowed")]
    assert codes(world.error("schedule_activity", activity(
        school, kind="staff_seminar", occasion="party"))) == [("occasion", "not_allowed")]
    retired = world.error("schedule_activity", activity(school, kind="seminar"))
    assert codes(retired) == [("kind", "retired")]


def test_practice_activities_and_theme_meetings_held_by_one_class(world, school):
    smiles = world.call("schedule_activity", activity(
        school, kind="practice", occasion="send_smiles", title="送微笑"))
    assert (smiles["kind_label"], smiles["occasion_label"]) == ("实践活动", "送微笑")
    meeting = activity(school, kind="theme_meeting", title="关爱留守孩子主题中队会",
                       sub_theme="学会自理")
    assert codes(world.error("schedule_activity", meeting)) == [("class_ids", "one_class")]
    held = world.call("schedule_activity", dict(meeting, class_ids=[school.class_ids[1]]))
    assert held["class_ids"] == [school.class_ids[1]]
    moved = world.error("reschedule_activity", {
        "activity_id": held["id"], "revision": 1, "changed_by": school.teacher_ids[0],
        "changes": {"class_ids": []}})
    assert codes(moved) == [("class_ids", "one_class")]
    cancelled = world.call("cancel_activity", {"activity_id": smiles["id"],
                                               "cancelled_by": school.teacher_ids[0],
                                               "reason": "下雨"})
    assert cancelled["status"] == "cancelled"
    event = wait_for(lambda: [e for e in world.events_named("ActivityCancelled")
                              if e["data"]["activity_id"] == smiles["id"]], message="cancel")
    assert event[0]["data"]["kind"] == "practice" and event[0]["dataschema"].endswith(":v2")
