"""A child's timeline (paged over 1,000+ items of four kinds, many sharing a timestamp) and
the last contact per child and kind."""
import random
from datetime import datetime, timedelta, timezone

from activities import domain
from tests.activities.support import hours_ago

BASE = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


def stored_items(child_id, school_id, count):
    """Timeline documents of all four kinds as the service stores them, on 40 distinct
    timestamps only (so most items share theirs with others), in random insertion order."""
    rng = random.Random(5)
    docs = {"care_records": [], "diary_entries": [], "group_activities": [], "awards": []}
    for i in range(count):
        at = domain.stamp(BASE + timedelta(hours=rng.randrange(40)))
        kind = ("care_records", "care_records", "care_records", "diary_entries",
                "group_activities", "awards")[i % 6]
        common = {"at": at, "school_id": school_id, "created_at": at}
        if kind == "care_records":
            docs[kind].append(dict(common, _id="cr_{:05d}".format(i), child_id=child_id,
                                   kind="talk", by_id="t", by_role="mentor", flagged=False,
                                   flag_reasons=[], occurred_at=at, follow_ups=[],
                                   revision=1, deleted=False))
        elif kind == "diary_entries":
            docs[kind].append(dict(common, _id="gd_{:05d}".format(i), child_id=child_id,
                                   by_id="t", by_role="mentor", flagged=False, flag_reasons=[],
                                   entry_date="2026-03-02", topics=["study"], study="好",
                                   revision=1, deleted=False))
        elif kind == "group_activities":
            docs[kind].append(dict(common, _id="ga_{:05d}".format(i), kind="reading",
                                   title="午间阅读", starts_at=at, status="held",
                                   organiser_id="t", revision=2, attendance=[
                                       {"child_id": child_id, "status": "present"}],
                                   present_child_ids=[child_id, "someone-else"]))
        else:
            docs[kind].append(dict(common, _id="aw_{:05d}".format(i), child_id=child_id,
                                   recipient_type="child", title="进步之星", level="class",
                                   granted_on="2026-03-02"))
    return docs


def test_timeline_pages_over_1000_items_without_skipping_or_repeating(world, school):
    child = school.child_ids[2]
    docs = stored_items(child, school.school_id, 1200)
    # noise that must stay out: deleted records, another child, an activity not attended
    docs["care_records"].append(dict(docs["care_records"][0], _id="cr_deleted", deleted=True))
    docs["care_records"].append(dict(docs["care_records"][1], _id="cr_other",
                                     child_id="another-child"))
    docs["group_activities"].append(dict(docs["group_activities"][0], _id="ga_absent",
                                         present_child_ids=["someone-else"]))
    for collection, items in docs.items():
        world.db[collection].insert_many(items, ordered=False)
    expected = [d["_id"] for d in sorted(
        (d for items in docs.values() for d in items
         if d["_id"] not in ("cr_deleted", "cr_other", "ga_absent")),
        key=lambda d: (d["at"], d["_id"]), reverse=True)]
    assert len(expected) == 1200

    seen, cursor, pages = [], None, 0
    while True:
        payload = {"child_id": child, "limit": 47}
        if cursor:
            payload["cursor"] = cursor
        page = world.call("timeline", payload)
        pages += 1
        if pages == 3:  # something new arrives while paging: it is newer, pages ahead stay
            world.call("log_care_record", {"child_id": child, "by_id": school.teacher_ids[2],
                                           "kind": "gift", "occurred_at": hours_ago(1)})
        assert len(page["items"]) == 47 or page["next_cursor"] is None
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 26 and seen == expected
    types = {item["type"] for item in world.call("timeline", {"child_id": child,
                                                             "limit": 100})["items"]}
    assert types == {"care_record", "diary", "activity", "award"}

    only = world.call("timeline", {"child_id": child, "types": ["award", "diary"],
                                   "limit": 100})["items"]
    assert {i["type"] for i in only} == {"award", "diary"}
    assert [i["id"] for i in only] == [i for i in expected
                                      if i[:2] in ("aw", "gd")][:100]


def test_timeline_refuses_a_forged_cursor_and_an_unknown_child(world, school):
    error = world.error("timeline", {"child_id": school.child_ids[0], "cursor": "bm90IG1pbmU"})
    assert error["errors"][0] == {"field": "cursor", "code": "bad_cursor",
                                  "message": "翻页标记无效，请从第一页重新查询"}
    assert world.error("timeline", {"child_id": school.child_ids[0], "limit": 500})[
        "errors"][0]["field"] == "limit"
    assert world.error("timeline", {"child_id": "nobody"})["code"] == "not_found"


def test_last_contact_per_child_and_kind(world, school):
    c, t = school.child_ids, school.teacher_ids
    old_visit = world.call("log_care_record", {"child_id": c[0], "by_id": t[0],
                                               "kind": "home_visit",
                                               "occurred_at": hours_ago(24 * 20)})
    new_visit = world.call("log_care_record", {"child_id": c[0], "by_id": t[0],
                                               "kind": "home_visit",
                                               "occurred_at": hours_ago(24 * 2)})
    call = world.call("log_care_record", {"child_id": c[0], "by_id": school.volunteer_id,
                                          "kind": "parent_call", "occurred_at": hours_ago(5)})
    talk = world.call("log_care_record", {"child_id": c[1], "by_id": t[1], "kind": "talk",
                                          "occurred_at": hours_ago(3)})
    withdrawn = world.call("log_care_record", {"child_id": c[1], "by_id": t[1],
                                               "kind": "talk", "occurred_at": hours_ago(1)})
    world.call("delete_care_record", {"record_id": withdrawn["id"], "deleted_by": t[1],
                                      "reason_code": "entered_in_error"})
    result = {row["child_id"]: row for row in world.call(
        "last_contacts", {"school_id": school.school_id})["children"]}
    assert set(result) == set(c)
    assert result[c[0]]["by_kind"]["home_visit"]["record_id"] == new_visit["id"]
    assert result[c[0]]["by_kind"]["parent_call"]["by_id"] == school.volunteer_id
    assert result[c[0]]["last"]["record_id"] == call["id"]
    assert result[c[1]]["last"]["record_id"] == talk["id"]  # the deleted one does not count
    assert result[c[2]] == {"child_id": c[2], "status": "active", "last": None,
                            "by_kind": {}}
    assert old_visit["id"] not in str(result)
    one_class = world.call("last_contacts", {"class_id": school.class_ids[1]})["children"]
    assert [row["child_id"] for row in one_class] == sorted([c[1], c[3]])
    listed = world.call("last_contacts", {"child_ids": [c[1], c[0]]})["children"]
    assert [row["child_id"] for row in listed] == [c[1], c[0]]
    assert world.error("last_contacts", {})["errors"][0]["code"] == "one_selector"
