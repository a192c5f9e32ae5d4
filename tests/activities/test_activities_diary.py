"""Growth diary (成长日记) over RPC: entries by the mentor, flagging, validation, edits with
history, soft delete; events carry topics, never the text."""
import json

from carekit.testing.plugin import wait_for
from tests.activities.support import days_ago, published

STUDY = "数学作业能按时完成了，口算还要多练"
MOOD = "周末和妈妈视频后很开心"


def entry(school, child=0, by=None, **extra):
    payload = {"child_id": school.child_ids[child], "by_id": by or school.teacher_ids[child],
               "entry_date": days_ago(1), "study": STUDY, "mood": MOOD}
    payload.update(extra)
    return payload


def test_the_mentor_keeps_a_dated_diary_and_only_topics_are_published(world, school):
    added = world.call("add_diary_entry", entry(school))
    assert added["topics"] == ["study", "mood"] and added["topic_labels"] == ["学习", "情绪"]
    assert added["flagged"] is False and added["by_role"] == "mentor"
    assert added["entry_date"] == days_ago(1)
    envelope = wait_for(lambda: [e for e in world.events_named("DiaryEntryAdded")
                                 if e["data"]["entry_id"] == added["id"]], message="event")[0]
    assert envelope["data"]["topics"] == ["study", "mood"]
    assert envelope["data"]["entry_date"] == days_ago(1)
    wire = json.dumps(envelope, ensure_ascii=False)
    assert STUDY not in wire and MOOD not in wire


def test_an_entry_by_someone_else_is_flagged(world, school):
    added = world.call("add_diary_entry", entry(school, by=school.teacher_ids[2]))
    assert added["flagged"] is True and added["flag_reasons"] == ["not_paired"]


def test_bad_entries_are_refused_and_nothing_is_stored(world, school):
    cases = [({"study": " ", "mood": None}, "study", "empty_entry"),
             ({"entry_date": days_ago(-2)}, "entry_date", "in_future"),
             ({"entry_date": days_ago(400)}, "entry_date", "before_registration"),
             ({"entry_date": "2025/03/01"}, "entry_date", "not_date"),
             ({"health": "x" * 2001}, "health", "too_long"),
             ({"child_id": "nobody"}, "child_id", "unknown_child")]
    for change, field, code in cases:
        error = world.error("add_diary_entry", entry(school, **change))
        assert (field, code) in [(e["field"], e["code"]) for e in error["errors"]], error
    assert world.db.diary_entries.count_documents({"school_id": school.school_id}) == 0
    assert not [e for e in world.events_named("DiaryEntryAdded")
                if e["data"]["school_id"] == school.school_id]


def test_an_edit_keeps_history_and_deletion_is_soft(world, school):
    added = world.call("add_diary_entry", entry(school))
    revised = world.call("revise_diary_entry", {
        "entry_id": added["id"], "revision": 1, "edited_by": school.teacher_ids[0],
        "changes": {"mood": None, "health": "感冒好了"}})
    assert revised["revision"] == 2 and revised["topics"] == ["study", "health"]
    full = world.call("get_diary_entry", {"id": added["id"], "with_history": True})
    assert full["history"][0]["mood"] == MOOD and full["history"][0]["revision"] == 1
    event = wait_for(lambda: [e for e in world.events_named("DiaryEntryRevised")
                              if e["data"]["entry_id"] == added["id"]], message="revised")[0]
    assert sorted(event["data"]["changed_fields"]) == ["health", "mood"]
    assert world.error("revise_diary_entry", {
        "entry_id": added["id"], "revision": 1, "edited_by": school.teacher_ids[0],
        "changes": {"study": "x"}})["code"] == "stale_revision"
    deleted = world.call("delete_diary_entry", {
        "entry_id": added["id"], "deleted_by": school.teacher_ids[0],
        "reason_code": "wrong_child"})
    assert deleted["deleted"] is True
    assert world.call("get_diary_entry", {"id": added["id"]})["delete_reason_code"] == \
        "wrong_child"
    assert world.call("timeline", {"child_id": school.child_ids[0]})["items"] == []
    event = published(world, "DiaryEntryDeleted", entry_id=added["id"])[0]
    assert event["dataschema"].endswith(":v2")  # v2: the entry's date and the revision
    assert event["data"]["entry_date"] == added["entry_date"]
    assert event["data"]["revision"] == deleted["revision"] == 3
