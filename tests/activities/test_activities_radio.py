"""School radio (红领巾广播台 "午间书场", issue 10): a programme with a weekly schedule and two
announcers, and the episodes of its serial reading of 《西游记》 as they air."""
from datetime import date, timedelta

from tests.activities.support import build_school, monday_before, published, staff_left
from carekit.testing.plugin import wait_for


def programme(school, **extra):
    payload = {"programme_id": "noon-story-" + school.school_id[-10:],
               "school_id": school.school_id, "title": "午间书场", "station": "红领巾广播台",
               "work": "《西游记》", "weekdays": [5, 1, 2, 3, 4], "starts_at_time": "11:40",
               "ends_at_time": "12:00",
               "announcers": [{"type": "child", "id": school.child_ids[0]},
                              {"type": "child", "id": school.child_ids[1]}],
               "effective_from": monday_before(21).isoformat(), "set_by": school.teacher_ids[0]}
    payload.update(extra)
    return payload


def codes(error):
    return [(e["field"], e["code"]) for e in error.get("errors", [])] or error["code"]


def test_a_programme_airs_episodes_on_its_days(world, school):
    show = world.call("set_radio_programme", programme(school))
    assert show["weekdays"] == [1, 2, 3, 4, 5] and show["revision"] == 1
    assert show["schedule_label"] == "每周一、周二、周三、周四、周五 11:40-12:00"
    monday = monday_before(14)
    first = world.call("record_radio_episode", {
        "programme_id": show["id"], "aired_on": monday.isoformat(), "episode": 1,
        "reading": "第一回 灵根育孕源流出", "recorded_by": school.teacher_ids[0]})
    assert [a["id"] for a in first["announcers"]] == school.child_ids[:2]
    second = world.call("record_radio_episode", {
        "programme_id": show["id"], "aired_on": (monday + timedelta(days=1)).isoformat(),
        "episode": 2, "announcers": [{"type": "child", "id": school.child_ids[2]},
                                     {"type": "staff", "id": school.teacher_ids[1]}],
        "recorded_by": school.teacher_ids[0]})
    event = published(world, "RadioEpisodeAired", episode_id=second["id"])[0]
    assert event["data"]["announcer_child_ids"] == [school.child_ids[2]]
    assert event["data"]["announcer_staff_ids"] == [school.teacher_ids[1]]
    assert "reading" not in event["data"]
    set_event = published(world, "RadioProgrammeSet", programme_id=show["id"])[0]
    assert set_event["data"]["announcer_child_ids"] == school.child_ids[:2]
    page = world.call("radio_episodes", {"programme_id": show["id"], "limit": 1})
    assert [e["episode"] for e in page["episodes"]] == [1] and page["aired"] == 2
    rest = world.call("radio_episodes", {"programme_id": show["id"],
                                         "cursor": page["next_cursor"]})
    assert [e["episode"] for e in rest["episodes"]] == [2] and rest["next_cursor"] is None
    # Friday's slot becomes 美文欣赏: the programme changes (revision 2), the episodes stay
    changed = world.call("set_radio_programme", programme(school, programme_id=show["id"],
                                                          weekdays=[1, 2, 3, 4],
                                                          revision=1))
    assert changed["id"] == show["id"] and changed["revision"] == 2
    assert codes(world.error("set_radio_programme", programme(
        school, programme_id=show["id"]))) == "stale_revision"
    listed = world.call("radio_programmes", {"school_id": school.school_id})
    assert [p["id"] for p in listed["programmes"]] == [show["id"]]


def test_bad_programmes_and_episodes_are_refused(world, school):
    other = build_school(world)
    cases = [({"weekdays": [8]}, [("weekdays.0", "out_of_range")]),
             ({"weekdays": [1, 1]}, [("weekdays", "duplicate")]),
             ({"starts_at_time": "25:00"}, [("starts_at_time", "bad_format")]),
             ({"ends_at_time": "11:00"}, [("ends_at_time", "before_start")]),
             ({"announcers": []}, [("announcers", "bad_length")]),
             ({"announcers": [{"type": "child", "id": other.child_ids[0]}]},
              [("announcers.0.id", "unknown_child")]),
             ({"announcers": [{"type": "staff", "id": other.teacher_ids[0]}]},
              [("announcers.0.id", "unknown_staff")]),
             ({"announcers": [{"type": "parent", "id": "x"}]},
              [("announcers.0.type", "not_allowed")]),
             ({"programme_id": None}, [("programme_id", "required")])]
    for change, expected in cases:
        assert codes(world.error("set_radio_programme", programme(school, **change))) == \
            expected, change
    assert world.db.radio_programmes.count_documents({"school_id": school.school_id}) == 0
    show = world.call("set_radio_programme", programme(school))
    saturday = monday_before(14) + timedelta(days=5)
    base = {"programme_id": show["id"], "aired_on": monday_before(14).isoformat(),
            "episode": 1, "recorded_by": school.teacher_ids[0]}
    assert codes(world.error("record_radio_episode", dict(
        base, aired_on=saturday.isoformat()))) == [("aired_on", "not_scheduled_day")]
    assert codes(world.error("record_radio_episode", dict(
        base, aired_on=monday_before(35).isoformat()))) == [("aired_on", "outside_programme")]
    assert ("aired_on", "in_future") in codes(world.error("record_radio_episode", dict(
        base, aired_on=(date.today() + timedelta(days=7)).isoformat())))
    world.call("record_radio_episode", base)
    assert codes(world.error("record_radio_episode", dict(
        base, aired_on=(monday_before(14) + timedelta(days=1)).isoformat()))) == [
        ("episode", "duplicate_episode")]
    assert codes(world.error("record_radio_episode", base)) == "stale_revision"
    fixed = world.call("record_radio_episode", dict(base, reading="第一回", revision=1))
    assert fixed["revision"] == 2
    world.publish("registry", [staff_left(school.teacher_ids[2], school.school_id,
                                          school.township_id)])
    wait_for(lambda: world.db.staff.find_one({"_id": school.teacher_ids[2], "version": 2}),
             message="left")
    assert codes(world.error("record_radio_episode", dict(
        base, aired_on=(monday_before(14) + timedelta(days=2)).isoformat(), episode=3,
        announcers=[{"type": "staff", "id": school.teacher_ids[2]}]))) == [
        ("announcers.0.id", "staff_inactive")]
    assert codes(world.error("radio_episodes", {"programme_id": "rp_nothing"})) == "not_found"
    # asked within another school, the programme is not there
    assert codes(world.error("radio_episodes", {"programme_id": show["id"],
                                                "school_id": other.school_id})) == "not_found"
    assert codes(world.error("record_radio_episode", dict(
        base, school_id=other.school_id, episode=9))) == "not_found"
