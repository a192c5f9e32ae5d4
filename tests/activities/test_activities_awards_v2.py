"""Awards since issue 10: AwardGranted v2 says who awarded it, the child's class and the
competition it came from; an award can be revoked with a reason (AwardRevoked); a date
outside 2000-2099 is a field error, not an internal one."""
from tests.activities.support import days_ago, hours_ago, published


def competition(world, school, present):
    contest = world.call("schedule_activity", {
        "school_id": school.school_id, "kind": "competition", "occasion": "labour_skills",
        "title": "“我有一双巧巧手”劳动技能大赛", "starts_at": hours_ago(30),
        "organiser_id": school.teacher_ids[0], "scheduled_by": school.teacher_ids[0]})
    world.call("record_attendance", {"activity_id": contest["id"],
                                     "taken_by": school.teacher_ids[0],
                                     "attendance": [{"child_id": c, "status": "present"}
                                                    for c in present]})
    return contest


def test_award_granted_v2_and_revoked(world, school):
    c = school.child_ids
    contest = competition(world, school, present=[c[0]])
    award = world.call("grant_award", {
        "recipient_type": "child", "child_id": c[0], "title": "劳动小能手", "level": "school",
        "granted_on": days_ago(1), "awarded_by": "学校大队部", "awarding_body": "young_pioneers",
        "activity_id": contest["id"],
        "recorded_by": school.teacher_ids[0]})
    assert award["activity_id"] == contest["id"] and award["revoked"] is False
    granted = published(world, "AwardGranted", award_id=award["id"])[0]
    assert granted["dataschema"].endswith(":v2")
    assert (granted["data"]["awarding_body"], granted["data"]["class_id"],
            granted["data"]["activity_id"], granted["data"]["revision"]) == (
        "young_pioneers", school.class_ids[0], contest["id"], 1)
    assert "大队部" not in str(granted) and award["awarding_body_label"] == "少先队"
    revoked = world.call("revoke_award", {"award_id": award["id"],
                                          "revoked_by": school.teacher_ids[0],
                                          "reason_code": "entered_in_error",
                                          "reason": "评选名单录错了"})
    assert revoked["revoked"] is True and revoked["revoke_reason_label"] == "录入有误"
    again = world.call("revoke_award", {"award_id": award["id"], "revoked_by": "x",
                                        "reason_code": "other"})
    assert again["revoked_by"] == school.teacher_ids[0]
    event = published(world, "AwardRevoked", award_id=award["id"])
    assert len(event) == 1 and event[0]["data"]["reason_code"] == "entered_in_error"
    assert event[0]["data"]["revision"] == 2 and "评选" not in str(event[0])
    assert world.call("list_awards", {"child_id": c[0]}) == []
    assert [a["id"] for a in world.call("list_awards", {
        "child_id": c[0], "include_revoked": True})] == [award["id"]]
    shown = world.call("timeline", {"child_id": c[0], "types": ["award"]})["items"]
    assert [(i["id"], i["item"]["revoked"]) for i in shown] == [(award["id"], True)]
    assert world.error("revoke_award", {"award_id": award["id"], "revoked_by": "x",
                                        "reason_code": "bored"})["errors"][0]["field"] == \
        "reason_code"


def test_awards_from_a_competition_need_one_the_child_was_at(world, school):
    c = school.child_ids
    contest = competition(world, school, present=[c[0]])
    festival = world.call("schedule_activity", {
        "school_id": school.school_id, "kind": "festival", "occasion": "new_year",
        "title": "元旦", "starts_at": hours_ago(5), "organiser_id": school.teacher_ids[0],
        "scheduled_by": school.teacher_ids[0]})
    base = {"recipient_type": "child", "child_id": c[1], "title": "读书之星", "level": "school",
            "granted_on": days_ago(1), "recorded_by": school.teacher_ids[0]}
    cases = [({"activity_id": contest["id"]}, ("activity_id", "not_present")),
             ({"activity_id": festival["id"]}, ("activity_id", "not_competition")),
             ({"activity_id": "ga_nothing"}, ("activity_id", "unknown_activity")),
             ({"granted_on": "0001-01-01"}, ("granted_on", "out_of_range")),
             ({"granted_on": "9999-12-31"}, ("granted_on", "out_of_range"))]
    for change, expected in cases:
        error = world.error("grant_award", dict(base, **change))
        assert error["code"] == "validation_failed", error
        assert expected in [(e["field"], e["code"]) for e in error["errors"]], (change, error)
    assert world.error("log_care_record", {
        "child_id": c[0], "by_id": school.teacher_ids[0], "kind": "talk",
        "occurred_at": "0001-01-01T00:00:00"})["errors"][0]["code"] == "out_of_range"
    assert world.call("list_awards", {"school_id": school.school_id,
                                      "include_revoked": True}) == []
