"""Duty as it happens (issue 10): the rota is published, a one-date swap (代班) changes who is
on duty that day only, and a duty session actually held is recorded and published."""
from datetime import date, timedelta

from carekit.testing.plugin import wait_for
from tests.activities.support import build_school, monday_before, published, staff_left


def set_rota(world, school, effective_from):
    t = school.teacher_ids
    return world.call("set_duty_rota", {
        "school_id": school.school_id, "set_by": t[0],
        "effective_from": effective_from.isoformat(), "slots": [
            {"weekday": 1, "period": "noon", "staff_ids": [t[0]], "activities": ["reading"]},
            {"weekday": 1, "period": "after_school", "staff_ids": [t[1]],
             "activities": ["sports"]}]})


def test_setting_a_rota_publishes_each_version(world, school):
    monday = monday_before(14)
    set_rota(world, school, monday)
    world.call("set_duty_rota", {
        "school_id": school.school_id, "set_by": school.teacher_ids[0],
        "effective_from": (monday + timedelta(days=7)).isoformat(),
        "slots": [{"weekday": 2, "period": "noon", "staff_ids": [school.teacher_ids[2]]}]})
    first, second = wait_for(lambda: len(published(
        world, "DutyRotaSet", school_id=school.school_id)) == 2 and published(
        world, "DutyRotaSet", school_id=school.school_id), message="two rota versions")
    assert first["data"]["revision"] == 1 and second["data"]["revision"] == 2
    assert first["data"]["effective_from"] == monday.isoformat()
    assert [(s["weekday"], s["period"], s["staff_ids"]) for s in first["data"]["slots"]] == [
        (1, "after_school", [school.teacher_ids[1]]), (1, "noon", [school.teacher_ids[0]])]
    assert second["data"]["slots"][0]["staff_ids"] == [school.teacher_ids[2]]


def test_a_swap_changes_who_is_on_duty_on_that_date_only(world, school):
    t = school.teacher_ids
    monday = monday_before(14)
    set_rota(world, school, monday)
    swap = world.call("swap_duty", {
        "school_id": school.school_id, "duty_date": monday.isoformat(), "period": "noon",
        "staff_id": t[0], "substitute_id": t[2], "reason": "外出培训", "by": t[0]})
    assert swap["revision"] == 1 and swap["period_label"] == "午间"
    that_day = world.call("on_duty", {"school_id": school.school_id,
                                      "date": monday.isoformat()})
    noon = [s for s in that_day["slots"] if s["period"] == "noon"][0]
    assert noon["staff_ids"] == [t[2]] and noon["rota_staff_ids"] == [t[0]]
    assert noon["swaps"] == [{"staff_id": t[0], "substitute_id": t[2]}]
    next_week = world.call("on_duty", {"school_id": school.school_id,
                                       "date": (monday + timedelta(days=7)).isoformat()})
    assert [s["staff_ids"] for s in next_week["slots"] if s["period"] == "noon"] == [[t[0]]]
    # the same swap again, another substitute: replaced (revision 2)
    again = world.call("swap_duty", {
        "school_id": school.school_id, "duty_date": monday.isoformat(), "period": "noon",
        "staff_id": t[0], "substitute_id": t[1], "by": t[0]})
    assert again["id"] == swap["id"] and again["revision"] == 2
    events = wait_for(lambda: len(published(world, "DutySwapped", swap_id=swap["id"])) == 2
                      and published(world, "DutySwapped", swap_id=swap["id"]),
                      message="both swaps")
    assert [e["data"]["substitute_id"] for e in events] == [t[2], t[1]]
    assert "reason" not in events[0]["data"]


def test_a_swap_needs_the_teacher_on_duty_and_an_active_substitute(world, school):
    t = school.teacher_ids
    monday = monday_before(14)
    set_rota(world, school, monday)
    other = build_school(world)
    base = {"school_id": school.school_id, "duty_date": monday.isoformat(), "period": "noon",
            "staff_id": t[0], "substitute_id": t[2], "by": t[0]}

    def codes(change):
        return [(e["field"], e["code"]) for e in world.error("swap_duty", dict(
            base, **change))["errors"]]
    assert codes({"staff_id": t[1]}) == [("staff_id", "not_on_duty")]
    assert codes({"duty_date": (monday + timedelta(days=1)).isoformat()}) == [
        ("staff_id", "not_on_duty")]
    assert codes({"substitute_id": other.teacher_ids[0]}) == [("substitute_id", "unknown_staff")]
    assert codes({"substitute_id": t[0]}) == [("substitute_id", "same_staff")]
    assert codes({"period": "after_school", "staff_id": t[1], "substitute_id": t[1]}) == [
        ("substitute_id", "same_staff")]
    assert codes({"duty_date": "0001-01-01"}) == [("duty_date", "out_of_range")]
    world.publish("registry", [staff_left(t[2], school.school_id, school.township_id)])
    wait_for(lambda: world.db.staff.find_one({"_id": t[2], "version": 2}), message="left")
    assert codes({}) == [("substitute_id", "staff_inactive")]
    assert world.db.duty_swaps.count_documents({"school_id": school.school_id}) == 0


def test_a_duty_session_held_is_recorded_corrected_and_published(world, school):
    t, c = school.teacher_ids, school.child_ids
    monday = monday_before(14)
    set_rota(world, school, monday)
    world.call("swap_duty", {"school_id": school.school_id, "duty_date": monday.isoformat(),
                             "period": "noon", "staff_id": t[0], "substitute_id": t[2],
                             "by": t[0]})
    session = world.call("record_duty_session", {
        "school_id": school.school_id, "held_on": monday.isoformat(), "period": "noon",
        "staff_ids": [t[2], t[1]], "child_ids": c[:3], "activities": ["reading"],
        "place": "学生活动室", "notes": "读《西游记》", "recorded_by": t[2]})
    assert session["on_duty_staff_ids"] == [t[2]] and session["off_rota_staff_ids"] == [t[1]]
    assert session["present"] == 3 and session["rota_revision"] == 1
    assert session["activity_labels"] == ["课外阅读"]
    stale = world.error("record_duty_session", {
        "school_id": school.school_id, "held_on": monday.isoformat(), "period": "noon",
        "staff_ids": [t[2]], "child_ids": c[:2], "recorded_by": t[2]})
    assert stale["code"] == "stale_revision" and stale["detail"]["current_revision"] == 1
    fixed = world.call("record_duty_session", {
        "school_id": school.school_id, "held_on": monday.isoformat(), "period": "noon",
        "staff_ids": [t[2]], "child_ids": c[:2], "recorded_by": t[2], "revision": 1})
    assert fixed["id"] == session["id"] and fixed["revision"] == 2 and fixed["present"] == 2
    first, second = wait_for(lambda: len(published(
        world, "DutySessionHeld", session_id=session["id"])) == 2 and published(
        world, "DutySessionHeld", session_id=session["id"]), message="session events")
    assert first["data"]["present"] == 3 and first["data"]["left_behind_present"] == 3
    assert first["data"]["staff_present"] == 2 and "notes" not in first["data"]
    assert second["data"]["present_child_ids"] == c[:2]
    # a session without a rota slot that day (Wednesday) is still a session held
    wednesday = world.call("record_duty_session", {
        "school_id": school.school_id, "held_on": (monday + timedelta(days=2)).isoformat(),
        "period": "after_school", "staff_ids": [t[0]], "recorded_by": t[0]})
    assert wednesday["on_duty_staff_ids"] == [] and wednesday["off_rota_staff_ids"] == [t[0]]
    listed = world.call("duty_sessions", {"school_id": school.school_id,
                                          "date_from": monday.isoformat(),
                                          "date_to": (monday + timedelta(days=6)).isoformat(),
                                          "limit": 1})
    assert [s["id"] for s in listed["sessions"]] == [session["id"]]
    rest = world.call("duty_sessions", {"school_id": school.school_id,
                                        "date_from": monday.isoformat(),
                                        "date_to": (monday + timedelta(days=6)).isoformat(),
                                        "cursor": listed["next_cursor"]})
    assert [s["id"] for s in rest["sessions"]] == [wednesday["id"]] and not rest["next_cursor"]


def test_bad_duty_sessions_are_refused_and_nothing_is_stored(world, school):
    t, c = school.teacher_ids, school.child_ids
    other = build_school(world)
    base = {"school_id": school.school_id, "held_on": date.today().isoformat(),
            "period": "noon", "staff_ids": [t[0]], "child_ids": [c[0]], "recorded_by": t[0]}
    cases = [({"held_on": (date.today() + timedelta(days=2)).isoformat()}, "held_on",
              "in_future"),
             ({"staff_ids": [other.teacher_ids[0]]}, "staff_ids.0", "unknown_staff"),
             ({"staff_ids": []}, "staff_ids", "bad_length"),
             ({"child_ids": [other.child_ids[0]]}, "child_ids.0", "other_school"),
             ({"child_ids": ["nobody"]}, "child_ids.0", "unknown_child"),
             ({"child_ids": [c[0], c[0]]}, "child_ids", "duplicate"),
             ({"period": "evening"}, "period", "not_allowed"),
             ({"activities": ["napping"]}, "activities.0", "not_allowed"),
             ({"surprise": 1}, "surprise", "unknown_field")]
    for change, field, code in cases:
        error = world.error("record_duty_session", dict(base, **change))
        assert (field, code) in [(e["field"], e["code"]) for e in error["errors"]], error
    world.publish("registry", [staff_left(t[1], school.school_id, school.township_id)])
    wait_for(lambda: world.db.staff.find_one({"_id": t[1], "version": 2}), message="left")
    error = world.error("record_duty_session", dict(base, staff_ids=[t[1]]))
    assert [(e["field"], e["code"]) for e in error["errors"]] == [("staff_ids.0",
                                                                   "staff_inactive")]
    assert world.db.duty_sessions.count_documents({"school_id": school.school_id}) == 0
    bad_cursor = world.error("duty_sessions", {"school_id": school.school_id,
                                               "date_from": "2026-01-01",
                                               "date_to": "2026-01-31", "cursor": "xyz"})
    assert bad_cursor["errors"][0]["field"] == "cursor"
