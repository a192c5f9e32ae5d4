"""Supplies handed out to many children at once (学习用品 at 六一, issue 10): one command for the
children present at an activity, each counted once, linked to the activity, never an aid
record (AidDistributed) as well."""
from datetime import date, timedelta

from tests.activities.support import hours_ago, published


def held_forum(world, school, present, absent=()):
    forum = world.call("schedule_activity", {
        "school_id": school.school_id, "kind": "children_forum", "occasion": "childrens_day",
        "title": "同在蓝天下茁壮成长关爱留守孩子座谈会", "starts_at": hours_ago(3),
        "organiser_id": school.teacher_ids[0], "scheduled_by": school.teacher_ids[0]})
    marks = [{"child_id": c, "status": "present"} for c in present] + \
        [{"child_id": c, "status": "absent"} for c in absent]
    world.call("record_attendance", {"activity_id": forum["id"],
                                     "taken_by": school.teacher_ids[0], "attendance": marks})
    return forum


ITEMS = [{"item": "书包", "quantity_per_child": 1}, {"item": "文具盒", "quantity_per_child": 1},
         {"item": "作业本", "quantity_per_child": 5}]


def test_supplies_go_to_the_children_present_once_each(world, school):
    c = school.child_ids
    forum = held_forum(world, school, present=c[:3], absent=c[3:])
    given = world.call("distribute_supplies", {
        "activity_id": forum["id"], "items": ITEMS, "value_per_child": "45.50",
        "donor_type": "enterprise", "donor_name": "爱心企业某某公司",
        "distributed_by": school.teacher_ids[0]})
    assert given["child_ids"] == c[:3] and given["child_count"] == 3
    assert given["value_per_child"] == "45.50" and given["donor_type_label"] == "企业"
    assert world.call("get_supplies_distribution", {"activity_id": forum["id"]})["id"] == \
        given["id"]
    event = published(world, "SuppliesDistributed", activity_id=forum["id"])[0]
    data = event["data"]
    assert (data["child_count"], data["left_behind_count"], data["item_kinds"],
            data["units_per_child"], data["value_fen_per_child"]) == (3, 3, 3, 7, 4550)
    assert data["kind"] == "children_forum" and data["held_on"] == given["held_on"]
    assert "某某公司" not in str(event) and "书包" not in str(event)
    # a correction (one child less) replaces it under the same id, revision 2
    fixed = world.call("distribute_supplies", {
        "activity_id": forum["id"], "items": ITEMS, "donor_type": "enterprise",
        "child_ids": c[:2], "distributed_by": school.teacher_ids[0], "revision": 1})
    assert fixed["id"] == given["id"] and fixed["revision"] == 2 and fixed["child_count"] == 2
    assert [e["data"]["child_count"] for e in published(
        world, "SuppliesDistributed", activity_id=forum["id"])] in ([3, 2], [3])
    # no aid record, no AidDistributed: counting aid and supplies together counts once
    assert world.db.care_records.count_documents({"child_id": {"$in": c}}) == 0
    assert not [e for e in world.events_named("AidDistributed")
                if e["data"]["child_id"] in c]
    page = world.call("supplies_distributions", {
        "school_id": school.school_id, "date_from": (date.today() - timedelta(days=2)).isoformat(),
        "date_to": (date.today() + timedelta(days=1)).isoformat()})  # China may be a day on
    assert [d["id"] for d in page["distributions"]] == [given["id"]]


def test_a_distribution_is_refused_unless_the_children_were_there(world, school):
    c = school.child_ids
    forum = held_forum(world, school, present=c[:2], absent=c[2:])
    base = {"activity_id": forum["id"], "items": ITEMS, "donor_type": "school",
            "distributed_by": school.teacher_ids[0]}

    def codes(change):
        error = world.error("distribute_supplies", dict(base, **change))
        return [(e["field"], e["code"]) for e in error.get("errors", [])] or error["code"]
    assert codes({"child_ids": [c[0], c[3]]}) == [("child_ids.1", "not_present")]
    assert codes({"child_ids": [c[0], c[0]]}) == [("child_ids", "duplicate")]
    assert codes({"items": []}) == [("items", "bad_length")]
    assert codes({"items": [{"item": "书包", "quantity_per_child": 0}]}) == [
        ("items.0.quantity_per_child", "out_of_range")]
    assert codes({"donor_type": "santa"}) == [("donor_type", "not_allowed")]
    assert codes({"activity_id": "ga_nothing"}) == "not_found"
    planned = world.call("schedule_activity", {
        "school_id": school.school_id, "kind": "festival", "occasion": "new_year",
        "title": "元旦", "starts_at": hours_ago(1), "organiser_id": school.teacher_ids[0],
        "scheduled_by": school.teacher_ids[0]})
    assert world.error("distribute_supplies", dict(base, activity_id=planned["id"]))[
        "code"] == "not_held"
    assert world.db.supplies_distributions.count_documents({"school_id": school.school_id}) == 0
    world.call("distribute_supplies", base)
    assert codes({}) == "stale_revision"
    # the attendance cannot be corrected under the children who received something
    error = world.error("record_attendance", {
        "activity_id": forum["id"], "taken_by": school.teacher_ids[0],
        "attendance": [{"child_id": c[0], "status": "present"},
                       {"child_id": c[1], "status": "absent"}]})
    assert [(e["field"], e["code"]) for e in error["errors"]] == [("attendance",
                                                                   "received_supplies")]
