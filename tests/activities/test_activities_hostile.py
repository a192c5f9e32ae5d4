"""The shared hostile corpus (carekit.testing.hostile) against every activities RPC, on a
school with a care record, a diary entry, a held activity with supplies, a rota, a duty
session, a radio programme with an episode, an award and an assessment: each variant is
refused with `validation_failed` naming the field, and nothing changes."""
from datetime import timedelta

from activities import storage
from activities.service import ActivitiesService
from carekit.events.records import PENDING_FLAG
from carekit.testing import hostile
from carekit.testing.plugin import wait_for
from tests.activities.support import days_ago, hours_ago, monday_before


def existing(world, school):
    """Things the samples name (so a hostile call would reach them if let through)."""
    t, c = school.teacher_ids, school.child_ids
    monday = monday_before(14)
    record = world.call("log_care_record", {
        "child_id": c[0], "by_id": t[0], "kind": "talk", "occurred_at": hours_ago(3),
        "follow_ups": [{"action": "再谈一次", "owner_id": t[0], "due_on": days_ago(-3)}]})
    entry = world.call("add_diary_entry", {"child_id": c[0], "by_id": t[0],
                                           "entry_date": days_ago(1), "study": "好"})
    activity = world.call("schedule_activity", {
        "school_id": school.school_id, "kind": "children_forum", "title": "座谈会",
        "organiser_id": t[0], "starts_at": hours_ago(5), "scheduled_by": t[0]})
    world.call("record_attendance", {"activity_id": activity["id"], "taken_by": t[0],
                                     "attendance": [{"child_id": c[0], "status": "present"}]})
    world.call("distribute_supplies", {"activity_id": activity["id"], "donor_type": "school",
                                       "items": [{"item": "书包", "quantity_per_child": 1}],
                                       "distributed_by": t[0]})
    world.call("set_duty_rota", {"school_id": school.school_id, "set_by": t[0],
                                 "effective_from": monday.isoformat(), "slots": [
                                     {"weekday": 1, "period": "noon", "staff_ids": [t[0]]}]})
    world.call("record_duty_session", {"school_id": school.school_id,
                                       "held_on": monday.isoformat(), "period": "noon",
                                       "staff_ids": [t[0]], "recorded_by": t[0]})
    show = world.call("set_radio_programme", {
        "programme_id": "radio-" + school.school_id[-10:], "school_id": school.school_id,
        "title": "午间书场", "weekdays": [1, 2], "starts_at_time": "11:40",
        "ends_at_time": "12:00", "announcers": [{"type": "child", "id": c[1]}],
        "effective_from": monday.isoformat(), "set_by": t[0]})
    world.call("record_radio_episode", {"programme_id": show["id"],
                                        "aired_on": monday.isoformat(), "episode": 1,
                                        "recorded_by": t[0]})
    award = world.call("grant_award", {"recipient_type": "child", "child_id": c[0],
                                       "title": "自强少年", "level": "city",
                                       "granted_on": days_ago(2), "recorded_by": t[0]})
    world.call("record_assessment", {"child_id": c[0], "term": "2025-2026-1",
                                     "behaviour_rating": "good", "recorded_by": t[0]})
    return record, entry, activity, show, award, monday


def samples(school, record, entry, activity, show, award, monday):
    t, c, s = school.teacher_ids, school.child_ids, school.school_id
    follow_up = record["follow_ups"][0]["action_id"]
    page = {"cursor": "eyJhIjoxfQ", "limit": 10}
    one = {
        "log_care_record": {"record_id": "retry-1234", "child_id": c[1], "by_id": t[1],
                            "kind": "aid", "occurred_at": hours_ago(2), "place": "家中",
                            "notes": "送去助学金", "wellbeing": 4, "duration_minutes": 30,
                            "follow_ups": [{"action": "回访", "owner_id": t[1],
                                            "due_on": days_ago(-5)}],
                            "aid": {"form": "money", "amount": 300.5, "quantity": 1,
                                    "items": "现金", "donor_type": "government",
                                    "donor_name": "县教育局"}},
        "revise_care_record": {"record_id": record["id"], "revision": 1, "edited_by": t[0],
                               "reason": "补充", "changes": {"notes": "谈了学习",
                                                           "wellbeing": 3}},
        "delete_care_record": {"record_id": record["id"], "deleted_by": t[0],
                               "reason_code": "duplicate", "reason": "重复"},
        "complete_follow_up": {"record_id": record["id"], "action_id": follow_up,
                               "done_by": t[0]},
        "get_care_record": {"id": record["id"], "with_history": True},
        "add_diary_entry": {"entry_id": "diary-12345", "child_id": c[0], "by_id": t[0],
                            "entry_date": days_ago(0), "mood": "开朗"},
        "revise_diary_entry": {"entry_id": entry["id"], "revision": 1, "edited_by": t[0],
                               "changes": {"mood": "好"}},
        "delete_diary_entry": {"entry_id": entry["id"], "deleted_by": t[0],
                               "reason_code": "other"},
        "get_diary_entry": {"id": entry["id"]},
        "schedule_activity": {"activity_id": "act-123456", "school_id": s,
                              "kind": "class_birthday", "title": "生日会",
                              "organiser_id": t[0], "scheduled_by": t[0],
                              "starts_at": hours_ago(1), "class_ids": [school.class_ids[0]],
                              "celebrated_child_ids": [c[0]], "birthday_tokens": ["cards"],
                              "occasion": "other", "place": "教室", "notes": "好"},
        "reschedule_activity": {"activity_id": activity["id"], "revision": 1,
                                "changed_by": t[0], "changes": {"place": "礼堂"}},
        "cancel_activity": {"activity_id": activity["id"], "cancelled_by": t[0],
                            "reason": "下雨"},
        "record_attendance": {"activity_id": activity["id"], "taken_by": t[0],
                              "held_on": days_ago(0), "participant_count": 20,
                              "attendance": [{"child_id": c[0], "status": "present"}]},
        "get_activity": {"id": activity["id"]},
        "activity_calendar": {"school_id": s, "date_from": days_ago(30),
                              "date_to": days_ago(0), "kinds": ["festival"],
                              "include_cancelled": True},
        "distribute_supplies": {"activity_id": activity["id"], "revision": 1,
                                "items": [{"item": "文具盒", "quantity_per_child": 2}],
                                "value_per_child": 12.5, "donor_type": "enterprise",
                                "donor_name": "某公司", "child_ids": [c[0]],
                                "distributed_by": t[0]},
        "get_supplies_distribution": {"activity_id": activity["id"]},
        "supplies_distributions": dict(page, school_id=s, date_from=days_ago(30),
                                       date_to=days_ago(0)),
        "set_duty_rota": {"school_id": s, "set_by": t[0], "effective_from": days_ago(0),
                          "slots": [{"weekday": 2, "period": "noon", "staff_ids": [t[1]],
                                     "place": "操场", "activities": ["sports"]}]},
        "get_duty_rota": {"school_id": s, "date": days_ago(0)},
        "on_duty": {"school_id": s, "date": monday.isoformat()},
        "swap_duty": {"school_id": s, "duty_date": monday.isoformat(), "period": "noon",
                      "staff_id": t[0], "substitute_id": t[1], "reason": "培训", "by": t[0]},
        "record_duty_session": {"school_id": s, "held_on": monday.isoformat(),
                                "period": "noon", "staff_ids": [t[0]], "child_ids": [c[0]],
                                "activities": ["reading"], "place": "活动室", "notes": "好",
                                "recorded_by": t[0], "revision": 1},
        "duty_sessions": dict(page, school_id=s, date_from=days_ago(30), date_to=days_ago(0)),
        "set_radio_programme": {"programme_id": show["id"], "school_id": s,
                                "title": "午间书场", "station": "红领巾广播台",
                                "work": "《西游记》", "weekdays": [1, 3],
                                "starts_at_time": "11:40", "ends_at_time": "12:00",
                                "announcers": [{"type": "staff", "id": t[1]}],
                                "effective_from": monday.isoformat(),
                                "ended_on": days_ago(0), "notes": "好", "set_by": t[0],
                                "revision": 1},
        "record_radio_episode": {"school_id": s, "programme_id": show["id"],
                                 "aired_on": (monday + timedelta(days=1)).isoformat(),
                                 "episode": 2, "reading": "第二回",
                                 "announcers": [{"type": "child", "id": c[1]}],
                                 "notes": "好", "recorded_by": t[0]},
        "radio_programmes": dict(page, school_id=s),
        "radio_episodes": dict(page, school_id=s, programme_id=show["id"]),
        "grant_award": {"award_id": "award-12345", "recipient_type": "child",
                        "child_id": c[1], "title": "读书之星", "level": "school",
                        "granted_on": days_ago(1), "awarded_by": "学校",
                        "awarding_body": "school", "activity_id": activity["id"],
                        "notes": "好", "recorded_by": t[0]},
        "revoke_award": {"award_id": award["id"], "revoked_by": t[0],
                         "reason_code": "other", "reason": "错了"},
        "list_awards": {"child_id": c[0], "include_revoked": True},
        "record_assessment": {"child_id": c[0], "term": "2025-2026-1", "revision": 1,
                              "scores": [{"subject": "maths", "score": 80.5,
                                          "full_marks": 100.5}],
                              "behaviour_rating": "good",
                              "dimensions": {"manners": "good", "self_care": "fair",
                                             "independence": "good"},
                              "comment": "好", "recorded_by": t[0]},
        "assessments_of": {"child_id": c[0]},
        "dimension_progress": dict(page, school_id=s, term="2025-2026-1"),
        "timeline": {"child_id": c[0], "cursor": "eyJhIjoxfQ", "limit": 10,
                     "types": ["care_record"]},
        "last_contacts": {"child_ids": [c[0], c[1]]},
        "flagged_records": dict(page, school_id=s),
    }
    return {method: [call] for method, call in one.items()}


def test_the_shared_hostile_corpus_against_every_activities_rpc(world, school):
    made = existing(world, school)
    calls = samples(school, *made)
    assert set(hostile.rpc_methods(ActivitiesService)) - set(hostile.KIT_RPCS) == set(calls)
    # the setup's events relayed first: the relay moving them is not a change by an attack
    wait_for(lambda: not any(world.db[c].find_one({PENDING_FLAG: True})
                             for c in storage.CARRIERS), message="the setup's events sent")
    before = hostile.database_snapshot(world.db)
    findings = hostile.Attack(world.proxy.activities, ActivitiesService, samples=calls,
                              skip=hostile.KIT_RPCS).run()
    assert findings == [], "\n".join(map(str, findings))
    assert hostile.database_snapshot(world.db) == before
