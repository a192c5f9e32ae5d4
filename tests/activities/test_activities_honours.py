"""Honours and outcomes over RPC: awards to children and teachers, per-term assessments
with corrections, and term-on-term progress."""
from carekit.testing.plugin import wait_for
from tests.activities.support import days_ago


def test_awards_to_a_child_and_a_teacher(world, school):
    child_award = world.call("grant_award", {
        "recipient_type": "child", "child_id": school.child_ids[0], "title": "自强少年",
        "level": "city", "granted_on": days_ago(10), "awarded_by": "莆田市教育局",
        "recorded_by": school.teacher_ids[0]})
    assert child_award["level_label"] == "市级" and child_award["school_id"] == school.school_id
    teacher_award = world.call("grant_award", {
        "recipient_type": "staff", "staff_id": school.teacher_ids[1], "title": "优秀帮扶教师",
        "level": "county", "granted_on": days_ago(3), "recorded_by": school.teacher_ids[0]})
    assert teacher_award["recipient_label"] == "教师"
    assert [a["id"] for a in world.call("list_awards", {"school_id": school.school_id})] == \
        [teacher_award["id"], child_award["id"]]
    assert [a["title"] for a in world.call("list_awards", {
        "child_id": school.child_ids[0]})] == ["自强少年"]
    event = wait_for(lambda: [e for e in world.events_named("AwardGranted")
                              if e["data"]["award_id"] == child_award["id"]], message="award")[0]
    assert event["data"]["title"] == "自强少年" and event["data"]["level"] == "city"
    assert event["data"]["child_id"] == school.child_ids[0]
    timeline = world.call("timeline", {"child_id": school.child_ids[0]})["items"]
    assert [(i["type"], i["id"]) for i in timeline] == [("award", child_award["id"])]


def test_bad_awards_are_refused(world, school):
    base = {"recipient_type": "child", "child_id": school.child_ids[0], "title": "自强少年",
            "level": "city", "granted_on": days_ago(1), "recorded_by": school.teacher_ids[0]}
    cases = [({"child_id": None}, "child_id", "required"),
             ({"staff_id": school.teacher_ids[0]}, "staff_id", "not_allowed"),
             ({"level": "planet"}, "level", "not_allowed"),
             ({"granted_on": days_ago(-3)}, "granted_on", "in_future"),
             ({"recipient_type": "staff", "child_id": None, "staff_id": school.volunteer_id},
              "staff_id", "unknown_staff"),
             ({"child_id": "nobody"}, "child_id", "unknown_child")]
    for change, field, code in cases:
        error = world.error("grant_award", dict(base, **change))
        assert (field, code) in [(e["field"], e["code"]) for e in error["errors"]], error
    assert world.call("list_awards", {"school_id": school.school_id}) == []
    assert world.error("list_awards", {"school_id": school.school_id,
                                       "child_id": school.child_ids[0]})["errors"][0][
        "code"] == "one_selector"


def test_term_assessments_show_progress_and_corrections_keep_history(world, school):
    child = school.child_ids[0]
    world.call("record_assessment", {
        "child_id": child, "term": "2024-2025-2", "behaviour_rating": "fair",
        "recorded_by": school.teacher_ids[0], "scores": [
            {"subject": "chinese", "score": 70}, {"subject": "maths", "score": 60}]})
    second = world.call("record_assessment", {
        "child_id": child, "term": "2025-2026-1", "behaviour_rating": "good",
        "recorded_by": school.teacher_ids[0], "scores": [
            {"subject": "chinese", "score": 82}, {"subject": "maths", "score": 40,
                                                 "full_marks": 50}]})
    assert second["average_percent"] == 81.0 and second["behaviour_label"] == "良"
    again = world.error("record_assessment", {
        "child_id": child, "term": "2025-2026-1", "behaviour_rating": "excellent",
        "recorded_by": school.teacher_ids[0]})
    assert again["code"] == "stale_revision" and again["detail"]["current_revision"] == 1
    corrected = world.call("record_assessment", {
        "child_id": child, "term": "2025-2026-1", "behaviour_rating": "excellent",
        "revision": 1, "recorded_by": school.teacher_ids[0], "scores": [
            {"subject": "chinese", "score": 84}, {"subject": "maths", "score": 40,
                                                 "full_marks": 50}]})
    assert corrected["revision"] == 2 and corrected["id"] == second["id"]
    progress = world.call("assessments_of", {"child_id": child})["terms"]
    assert [t["term"] for t in progress] == ["2024-2025-2", "2025-2026-1"]
    assert progress[1]["average_change"] == 17.0 and progress[1]["behaviour_change"] == 2
    events = wait_for(lambda: len([e for e in world.events_named("AssessmentRecorded")
                                   if e["data"]["child_id"] == child]) == 3 and
                      [e for e in world.events_named("AssessmentRecorded")
                       if e["data"]["assessment_id"] == second["id"]], message="assessments")
    assert sorted(e["data"]["revision"] for e in events) == [1, 2]
    latest = max(events, key=lambda e: e["data"]["revision"])["data"]
    assert latest["average_percent"] == 82.0 and latest["behaviour_rating"] == "excellent"
    bad = world.error("record_assessment", {
        "child_id": child, "term": "2025秋", "recorded_by": school.teacher_ids[0],
        "scores": [{"subject": "maths", "score": 120}, {"subject": "maths", "score": 1}]})
    assert {(e["field"], e["code"]) for e in bad["errors"]} >= {
        ("term", "bad_format"), ("scores.0.score", "above_full_marks")}
