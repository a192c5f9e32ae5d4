"""Duty sessions, the school radio, supplies and the dimension change over HTTP (issue 10):
scoped to the school in the path, the actor taken from the login, field errors as 422."""
from datetime import date, timedelta

from tests.gateway.support import LOGINS, now_iso


def test_radio_duty_and_supplies_through_the_gateway(own_world):
    world, ids = own_world, own_world.ids
    admin = world.client(LOGINS["school_admin"])
    other_admin = world.client("school.admin.b")
    monday = date.today() - timedelta(days=date.today().weekday() + 7)
    programme = admin.request("PUT", "/api/schools/{}/radio-programmes".format(ids["A"]), json={
        "programme_id": "noon-story-http", "title": "午间书场", "work": "《西游记》",
        "weekdays": [1, 2, 3, 4, 5], "starts_at_time": "11:40", "ends_at_time": "12:00",
        "announcers": [{"type": "child", "id": ids["a1"]}, {"type": "child", "id": ids["a2"]}],
        "effective_from": (monday - timedelta(days=7)).isoformat()})
    assert programme.status_code == 200, programme.text
    programme_id = programme.json()["id"]
    assert programme.json()["set_by"]  # the login, not the body
    episode = admin.post("/api/schools/{}/radio-episodes".format(ids["A"]), json={
        "programme_id": programme_id, "aired_on": monday.isoformat(), "episode": 1})
    assert episode.status_code == 201, episode.text
    listed = admin.get("/api/schools/{}/radio-episodes".format(ids["A"]),
                       params={"programme_id": programme_id})
    assert [e["episode"] for e in listed.json()["episodes"]] == [1]
    # school B's admin reaches neither school A's path (out of scope: as if it did not
    # exist) nor A's programme through B's path
    assert other_admin.get("/api/schools/{}/radio-programmes".format(ids["A"])).status_code \
        == 404
    assert other_admin.get("/api/schools/{}/radio-episodes".format(ids["B"]),
                           params={"programme_id": programme_id}).status_code == 404
    bad = admin.post("/api/schools/{}/radio-episodes".format(ids["A"]), json={
        "programme_id": programme_id, "aired_on": monday.isoformat(), "episode": 0})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "episode"

    session = admin.post("/api/schools/{}/duty-sessions".format(ids["A"]), json={
        "held_on": monday.isoformat(), "period": "noon", "staff_ids": [ids["H"]],
        "child_ids": [ids["a1"], ids["a3"]], "activities": ["reading"]})
    assert session.status_code == 201, session.text
    assert session.json()["present"] == 2
    sessions = world.client(LOGINS["teacher"]).get(
        "/api/schools/{}/duty-sessions".format(ids["A"]),
        params={"date_from": monday.isoformat(), "date_to": monday.isoformat()})
    assert [s["id"] for s in sessions.json()["sessions"]] == [session.json()["id"]]

    forum = world.rpc.activities.schedule_activity({
        "school_id": ids["A"], "kind": "children_forum", "occasion": "new_year",
        "title": "关爱留守孩子座谈会", "organiser_id": ids["H"], "starts_at": now_iso(),
        "scheduled_by": "test"})
    world.rpc.activities.record_attendance({
        "activity_id": forum["id"], "taken_by": "test",
        "attendance": [{"child_id": ids["a1"], "status": "present"}]})
    given = admin.request("PUT", "/api/activities/{}/supplies".format(forum["id"]), json={
        "items": [{"item": "书包", "quantity_per_child": 1}], "donor_type": "school"})
    assert given.status_code == 200, given.text
    assert given.json()["child_ids"] == [ids["a1"]]
    progress = admin.get("/api/schools/{}/dimension-progress".format(ids["A"]),
                         params={"term": "2025-2026-1"})
    assert progress.status_code == 200 and progress.json()["children_assessed"] == 0
