"""Group activities, attendance and the duty rota over RPC on the real broker and the
MongoDB stand-in."""
from datetime import date, datetime, timedelta

from carekit.testing.plugin import wait_for
from tests.activities.support import (CHINA, build_school, child_data, child_status_changed,
                                      hours_ago, staff_left)


def meeting(school, **extra):
    payload = {"school_id": school.school_id, "kind": "theme_meeting",
               "title": "关爱留守孩子主题队会", "sub_theme": "时间一去不复返",
               "organiser_id": school.teacher_ids[0], "place": "三年级1班教室",
               "class_ids": [school.class_ids[0]], "starts_at": hours_ago(2),
               "ends_at": hours_ago(1), "scheduled_by": school.teacher_ids[0]}
    payload.update(extra)
    return payload


def on(day, hour):
    return datetime(day.year, day.month, day.day, hour, tzinfo=CHINA).isoformat()


def held_events(world, activity_id):
    return sorted((e for e in world.events_named("ActivityHeld")
                   if e["data"]["activity_id"] == activity_id),
                  key=lambda e: e["data"]["revision"])


def test_scheduling_checks_what_the_activity_needs(world, school):
    other = build_school(world)
    cases = [({"sub_theme": None}, "sub_theme", "required"),
             ({"kind": "festival", "occasion": "christmas"}, "occasion", "not_allowed"),
             ({"ends_at": hours_ago(3)}, "ends_at", "before_start"),
             ({"organiser_id": other.teacher_ids[0]}, "organiser_id", "unknown_person"),
             ({"class_ids": [other.class_ids[0]]}, "class_ids.0", "unknown_class"),
             ({"kind": "party"}, "kind", "not_allowed"),
             ({"title": ""}, "title", "too_short"),
             ({"school_id": "no-school"}, "school_id", "unknown_school")]
    for change, field, code in cases:
        error = world.error("schedule_activity", meeting(school, **change))
        assert (field, code) in [(e["field"], e["code"]) for e in error["errors"]], error
    assert world.db.group_activities.count_documents({"school_id": school.school_id}) == 0
    festival = world.call("schedule_activity", meeting(
        school, kind="festival", occasion="childrens_day", title="庆六一，关爱留守孩子游园活动",
        sub_theme=None, class_ids=[]))
    assert festival["occasion_label"] == "六一儿童节" and festival["status"] == "scheduled"


def test_reschedule_cancel_and_the_school_calendar(world, school):
    today = date.today()
    first = world.call("schedule_activity", meeting(
        school, kind="parent_meeting", title="家长会", sub_theme=None,
        starts_at=on(today + timedelta(days=3), 15), ends_at=None))
    second = world.call("schedule_activity", meeting(
        school, kind="staff_seminar", title="关爱经验交流会", sub_theme=None,
        starts_at=on(today + timedelta(days=5), 9), ends_at=None))
    moved = world.call("reschedule_activity", {
        "activity_id": first["id"], "revision": 1, "changed_by": school.teacher_ids[0],
        "changes": {"starts_at": on(today + timedelta(days=10), 15), "place": "会议室"}})
    assert moved["revision"] == 2 and moved["place"] == "会议室"
    assert world.error("reschedule_activity", {
        "activity_id": first["id"], "revision": 1, "changed_by": school.teacher_ids[0],
        "changes": {"place": "操场"}})["code"] == "stale_revision"
    week = {"school_id": school.school_id, "date_from": today.isoformat(),
            "date_to": (today + timedelta(days=7)).isoformat()}
    assert [a["id"] for a in world.call("activity_calendar", week)["activities"]] == \
        [second["id"]]
    month = dict(week, date_to=(today + timedelta(days=30)).isoformat())
    listed = world.call("activity_calendar", month)["activities"]
    assert [a["id"] for a in listed] == [second["id"], first["id"]]
    assert listed[1]["date"] == (today + timedelta(days=10)).isoformat()
    assert [a["id"] for a in world.call("activity_calendar", dict(
        month, kinds=["staff_seminar"]))["activities"]] == [second["id"]]
    cancelled = world.call("cancel_activity", {"activity_id": second["id"],
                                               "cancelled_by": school.teacher_ids[0],
                                               "reason": "专家临时有事"})
    assert cancelled["status"] == "cancelled"
    assert [a["id"] for a in world.call("activity_calendar", month)["activities"]] == \
        [first["id"]]
    assert len(world.call("activity_calendar", dict(month, include_cancelled=True))[
        "activities"]) == 2
    assert world.error("activity_calendar", dict(week, date_to="2000-01-01"))["errors"][0][
        "code"] == "before_start"
    wait_for(lambda: [e["data"]["revision"] for e in world.events_named("ActivityScheduled")
                      if e["data"]["activity_id"] == first["id"]] == [1, 2],
             message="scheduled twice")
    wait_for(lambda: [e for e in world.events_named("ActivityCancelled")
                      if e["data"]["activity_id"] == second["id"]], message="cancelled")


def test_attendance_per_child_counts_left_behind_children_present(world, school):
    # child 3's parents came home: still on the roll, no longer left-behind
    world.publish("registry", [child_status_changed(child_data(
        school.child_ids[3], school.school_id, school.class_ids[1], school.township_id),
        "not_left_behind", version=2)])
    wait_for(lambda: world.db.children.find_one({"_id": school.child_ids[3],
                                                 "status": "not_left_behind"}),
             message="status projected")
    activity = world.call("schedule_activity", meeting(school))
    c = school.child_ids
    held = world.call("record_attendance", {
        "activity_id": activity["id"], "taken_by": school.teacher_ids[0],
        "participant_count": 45, "attendance": [
            {"child_id": c[0], "status": "present"}, {"child_id": c[1], "status": "absent"},
            {"child_id": c[2], "status": "excused"}, {"child_id": c[3], "status": "present"}]})
    assert held["status"] == "held" and held["revision"] == 2
    assert held["counts"] == {"present": 2, "absent": 1, "excused": 1,
                              "left_behind_present": 1}
    assert [m["status_label"] for m in held["attendance"]] == ["出席", "缺席", "请假", "出席"]
    event = wait_for(lambda: held_events(world, activity["id"]), message="ActivityHeld")[0]
    data = event["data"]
    assert (data["present"], data["absent"], data["excused"], data["left_behind_present"],
            data["participant_count"]) == (2, 1, 1, 1, 45)
    assert sorted(data["present_child_ids"]) == sorted([c[0], c[3]])
    corrected = world.call("record_attendance", {
        "activity_id": activity["id"], "taken_by": school.teacher_ids[0], "attendance": [
            {"child_id": c[0], "status": "present"}, {"child_id": c[1], "status": "present"}]})
    assert corrected["counts"]["left_behind_present"] == 2 and corrected["revision"] == 3
    assert [e["data"]["revision"] for e in wait_for(
        lambda: len(held_events(world, activity["id"])) == 2
        and held_events(world, activity["id"]), message="corrected")] == [2, 3]
    shown = world.call("get_activity", {"id": activity["id"], "with_history": True})
    assert [m["child_id"] for m in shown["attendance"]] == [c[0], c[1]]
    assert shown["history"][-1]["counts"]["absent"] == 1  # the roll before the correction
    timeline = world.call("timeline", {"child_id": c[1]})["items"]
    assert [(i["type"], i["id"]) for i in timeline] == [("activity", activity["id"])]


def test_attendance_is_refused_for_wrong_children_future_or_cancelled_activities(world,
                                                                                 school):
    other = build_school(world)
    activity = world.call("schedule_activity", meeting(school))
    c = school.child_ids
    error = world.error("record_attendance", {
        "activity_id": activity["id"], "taken_by": school.teacher_ids[0], "attendance": [
            {"child_id": c[0], "status": "present"}, {"child_id": "nobody", "status": "absent"},
            {"child_id": other.child_ids[0], "status": "present"},
            {"child_id": c[1], "status": "late"}]})
    assert {(e["field"], e["code"]) for e in error["errors"]} == {
        ("attendance.3.status", "not_allowed")}
    error = world.error("record_attendance", {
        "activity_id": activity["id"], "taken_by": school.teacher_ids[0], "attendance": [
            {"child_id": c[0], "status": "present"}, {"child_id": "nobody", "status": "absent"},
            {"child_id": other.child_ids[0], "status": "present"}]})
    assert {(e["field"], e["code"]) for e in error["errors"]} == {
        ("attendance.1.child_id", "unknown_child"), ("attendance.2.child_id", "other_school")}
    twice = world.error("record_attendance", {
        "activity_id": activity["id"], "taken_by": school.teacher_ids[0], "attendance": [
            {"child_id": c[0], "status": "present"}, {"child_id": c[0], "status": "absent"}]})
    assert twice["errors"][0]["field"] == "attendance.1.child_id"
    assert world.call("get_activity", {"id": activity["id"]})["status"] == "scheduled"
    future = world.call("schedule_activity", meeting(school, starts_at=hours_ago(-24),
                                                     ends_at=None))
    assert world.error("record_attendance", {
        "activity_id": future["id"], "taken_by": school.teacher_ids[0],
        "attendance": []})["code"] == "not_started"
    world.call("cancel_activity", {"activity_id": future["id"],
                                   "cancelled_by": school.teacher_ids[0], "reason": "下雨"})
    assert world.error("record_attendance", {
        "activity_id": future["id"], "taken_by": school.teacher_ids[0],
        "attendance": []})["code"] == "cancelled"
    assert world.error("get_activity", {"id": "ga_none"})["code"] == "not_found"


def test_duty_rota_by_weekday_and_who_is_on_duty(world, school):
    t = school.teacher_ids
    monday = date.today() - timedelta(days=date.today().weekday())
    rota = world.call("set_duty_rota", {
        "school_id": school.school_id, "set_by": t[0],
        "effective_from": (monday - timedelta(days=7)).isoformat(), "slots": [
            {"weekday": 1, "period": "noon", "staff_ids": [t[0]], "place": "学生活动室",
             "activities": ["reading"]},
            {"weekday": 1, "period": "after_school", "staff_ids": [t[1], t[2]],
             "place": "操场", "activities": ["sports", "study_guidance"]},
            {"weekday": 3, "period": "after_school", "staff_ids": [t[2]], "place": "操场"}]})
    assert rota["revision"] == 1 and len(rota["slots"]) == 3
    duty = world.call("on_duty", {"school_id": school.school_id, "date": monday.isoformat()})
    assert duty["weekday_label"] == "星期一"
    assert [(s["period"], s["staff_ids"]) for s in duty["slots"]] == [
        ("after_school", [t[1], t[2]]), ("noon", [t[0]])]
    assert duty["slots"][1]["activity_labels"] == ["课外阅读"]
    tuesday = world.call("on_duty", {"school_id": school.school_id,
                                     "date": (monday + timedelta(days=1)).isoformat()})
    assert tuesday["slots"] == []
    # teacher 2 leaves: Monday's after-school slot shows the gap
    world.publish("registry", [staff_left(t[2], school.school_id, school.township_id)])
    wait_for(lambda: world.db.staff.find_one({"_id": t[2], "version": 2}), message="left")
    duty = world.call("on_duty", {"school_id": school.school_id, "date": monday.isoformat()})
    assert duty["slots"][0]["staff_ids"] == [t[1]]
    assert duty["slots"][0]["inactive_staff_ids"] == [t[2]]
    # next week a new rota: this week still answers with the old one
    next_monday = monday + timedelta(days=7)
    world.call("set_duty_rota", {
        "school_id": school.school_id, "set_by": t[0],
        "effective_from": next_monday.isoformat(),
        "slots": [{"weekday": 1, "period": "noon", "staff_ids": [t[1]]}]})
    assert [s["staff_ids"] for s in world.call("on_duty", {
        "school_id": school.school_id, "date": next_monday.isoformat()})["slots"]] == [[t[1]]]
    assert world.call("on_duty", {"school_id": school.school_id,
                                  "date": monday.isoformat()})["rota_revision"] == 1
    current = world.call("get_duty_rota", {"school_id": school.school_id,
                                           "date": next_monday.isoformat()})
    assert current["revision"] == 2


def test_a_rota_needs_active_teachers_of_the_school_and_one_slot_per_period(world, school):
    other = build_school(world)
    t = school.teacher_ids
    base = {"school_id": school.school_id, "set_by": t[0],
            "effective_from": date.today().isoformat()}
    error = world.error("set_duty_rota", dict(base, slots=[
        {"weekday": 1, "period": "noon", "staff_ids": [t[0], other.teacher_ids[0]]},
        {"weekday": 1, "period": "noon", "staff_ids": [t[1]]}]))
    assert ("slots.1.period", "duplicate") in [(e["field"], e["code"]) for e in error["errors"]]
    error = world.error("set_duty_rota", dict(base, slots=[
        {"weekday": 1, "period": "noon", "staff_ids": [t[0], other.teacher_ids[0]]},
        {"weekday": 8, "period": "evening", "staff_ids": []}]))
    assert {(e["field"], e["code"]) for e in error["errors"]} == {
        ("slots.1.weekday", "out_of_range"), ("slots.1.period", "not_allowed"),
        ("slots.1.staff_ids", "bad_length")}
    error = world.error("set_duty_rota", dict(base, slots=[
        {"weekday": 1, "period": "noon", "staff_ids": [t[0], other.teacher_ids[0]]}]))
    assert [(e["field"], e["code"]) for e in error["errors"]] == [
        ("slots.0.staff_ids.1", "unknown_staff")]
    assert world.error("on_duty", {"school_id": school.school_id})["code"] == "not_found"
