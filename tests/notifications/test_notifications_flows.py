"""More of the service on real parts: birthdays by China date, the county's group bot, the
monthly message to migrant parents, restarts, county rules and templates, bad input."""
from datetime import timedelta, timezone

import pytest
from nameko.exceptions import RemoteError

from carekit.errors import parse_remote_error
from carekit.testing.plugin import wait_for
from notifications.clock import at_china
from notifications.service import NotificationsService
from tests.notifications.conftest import ADMIN_USER, china, china_today, national_id


def _error(call, *args):
    with pytest.raises(RemoteError) as info:
        call(*args)
    body = parse_remote_error(info.value)
    assert body is not None, info.value
    return body


def test_birthday_reminder_comes_on_the_right_china_day(network):
    net = network()
    county = net.build_county()
    head = county["staff"]["head"]
    net.notifications.set_preferences({"recipient_type": "staff", "recipient_id": head["id"],
                                       "channels": ["inbox"], "by": ADMIN_USER})
    birthday = china_today() + timedelta(days=10)
    born = birthday.replace(year=birthday.year - 9)
    if born.month == 2 and born.day == 29:
        born = born.replace(day=28)
    child = net.register_child(national_id=national_id(1, born=born))
    remind_on = birthday - timedelta(days=3)
    # 23:45 UTC the day before is 07:45 China time on the day: due, though UTC says otherwise
    utc_evening = at_china(remind_on, "07:45").astimezone(timezone.utc)
    assert utc_evening.date() == remind_on - timedelta(days=1)
    net.clock.set(at_china(remind_on, "07:29"))
    net.wait_settled()
    assert net.inbox(head)["items"] == []
    agenda = net.db.agenda.find_one({"_id": "child:" + child["id"]})
    assert agenda["next_due_at"] == at_china(remind_on, "07:30").timestamp()
    net.clock.set(utc_evening)
    net.wait_settled()
    [item] = net.inbox(head)["items"]
    assert item["title"] == "【生日】李小明{}月{}日过9岁生日".format(birthday.month, birthday.day)
    assert item["child_id"] == child["id"]


def test_an_unpaired_child_escalates_to_the_county_bot(network):
    net = network()
    county = net.build_county()
    county_id = county["county"]["id"]
    net.notifications.set_county_rules({"county_id": county_id, "by": ADMIN_USER, "changes": {
        "bot_webhook_url": net.bot.url, "unpaired": {"after_days": 5,
                                                     "escalate_after_days": 5}}})
    child = net.register_child()
    net.recommend(child)  # within the default mentor scope: the class's 典型 children
    today = china_today()
    net.clock.set(china(today.year, today.month, today.day, 10) + timedelta(days=10))
    net.wait_settled()
    [posted] = net.bot.received()
    assert posted["body"]["msgtype"] == "text"
    assert "李小明" in posted["body"]["text"]["content"]
    assert "无帮扶教师" in posted["body"]["text"]["content"]
    county_inbox = net.inbox("county:" + county_id)["items"]
    assert len(county_inbox) == 1
    admin = county["staff"]["admin"]
    assert [i["title"] for i in net.inbox(admin)["items"]] == ["【结对】李小明还没有帮扶教师"]
    assert net.db.notifications.count_documents({"child_id": child["id"]}) == 2


def test_monthly_message_to_a_migrant_parent_who_opted_in(network):
    net = network()
    county = net.build_county()
    child = net.register_child()
    today = china_today()
    first = today.replace(day=1)
    # opted in after this month's 19:00 send of last month's summary: the first one due is
    # this month's, sent on the 1st of the next
    net.clock.set(china(first.year, first.month, 1, 20))
    net.notifications.set_parent_summary({"child_id": child["id"], "relations": ["father"],
                                          "by": ADMIN_USER})
    mentor = county["staff"]["mentor"]
    for offset, kind in ((5, "talk"), (12, "home_visit")):
        when = china(first.year, first.month, 1 + offset, 10)
        net.publish("activities", "VisitLogged", {
            "record_id": "r{}".format(offset), "revision": 1, "child_id": child["id"],
            "school_id": child["school_id"], "class_id": child["class_id"],
            "by_id": mentor["id"], "by_role": "mentor", "flagged": False, "kind": kind,
            "occurred_at": when.isoformat()})
    wait_for(lambda: net.db.care_records.count_documents({}) == 2, message="records")
    following = (first + timedelta(days=32)).replace(day=1)
    net.clock.set(china(following.year, following.month, 1, 19, 5))
    net.wait_settled()
    [text] = net.sms_to("13812345678")  # the father's phone in the child's file
    assert "{}月".format(first.month) in text["text"] and "2次" in text["text"]
    assert "谈心1次" in text["text"] and "家访1次" in text["text"]
    audit = net.registry_db.pii_audit.find_one({"purpose": "notification"})
    assert audit["subject_id"] == child["id"] and audit["fields"] == ["parents.phone"]


def test_next_due_survives_a_restart_of_every_replica(network, run_service):
    net = network(replicas=2)
    county = net.build_county()
    mentor, head = county["staff"]["mentor"], county["staff"]["head"]
    today = china_today()
    net.clock.set(china(today.year, today.month, today.day, 9))
    born = (today + timedelta(days=120)).replace(year=today.year - 10, day=1)
    child = net.register_child(national_id=national_id(1, born=born))
    net.wait_handled(net.assign_mentor(child, mentor, today - timedelta(days=14)),
                     "on_mentor_assigned")
    net.wait_settled()
    for container in net.replicas:
        container.stop()
    net.clock.advance(days=7)
    run_service(NotificationsService, net.config)  # a fresh process: nothing in memory
    net.wait_settled()
    assert len(net.sms_to("13907310001")) == 1   # the head teacher's escalation
    assert len(net.sms_to("13907310002")) == 1   # the mentor's, not again
    assert [i["level"] for i in net.notifications.delivery_log(
        {"recipient_type": "staff", "recipient_id": head["id"]})["items"]] == [1]


def test_county_rules_templates_and_inbox_rpcs(network):
    net = network()
    county = net.build_county()
    county_id = county["county"]["id"]
    n = net.notifications
    rules = n.get_county_rules({"county_id": county_id})
    assert rules["rules"]["contact_overdue"]["cadence"]["talk"] == {"every_days": 14}
    changed = n.set_county_rules({"county_id": county_id, "by": ADMIN_USER, "expected_version": 0,
                                  "changes": {"contact_overdue": {"cadence": {
                                      "talk": {"every_days": 10}}}}})
    assert changed["version"] == 1
    assert changed["overrides"] == {"contact_overdue": {"cadence": {"talk": {"every_days": 10}}}}
    assert changed["rules"]["contact_overdue"]["cadence"]["parent_call"] == {"every_days": 30}
    stale = _error(n.set_county_rules, {"county_id": county_id, "by": ADMIN_USER,
                                        "expected_version": 0, "changes": {}})
    assert stale["code"] == "stale_version"
    text = "{{ child_name }}要过生日了\n请班主任为{{ child_name }}准备生日祝福。"
    n.set_county_template({"county_id": county_id, "rule": "birthday", "text": text,
                           "by": ADMIN_USER})
    preview = n.preview_template({"county_id": county_id, "rule": "birthday"})
    assert preview == {"rule": "birthday", "title": "王小明要过生日了",
                       "body": "请班主任为王小明准备生日祝福。", "custom": True}
    bad = _error(n.set_county_template, {"county_id": county_id, "rule": "birthday",
                                         "text": "{{ child_name \n", "by": ADMIN_USER})
    assert bad["errors"][0]["field"] == "text" and bad["errors"][0]["code"] == "bad_template"
    # inbox paging and marking read
    for i in range(3):
        net.db.inbox.insert_one({"_id": "n{}".format(i), "recipient_key": "staff:t9",
                                 "rule": "birthday", "title": "t{}".format(i), "body": "b",
                                 "child_id": None, "created_at": 1000.0 + i, "read": False,
                                 "read_at": None})
    first = n.inbox({"recipient_type": "staff", "recipient_id": "t9", "limit": 2})
    assert [i["id"] for i in first["items"]] == ["n2", "n1"] and first["unread"] == 3
    rest = n.inbox({"recipient_type": "staff", "recipient_id": "t9", "limit": 2,
                    "cursor": first["next_cursor"]})
    assert [i["id"] for i in rest["items"]] == ["n0"] and rest["next_cursor"] is None
    assert n.mark_read({"recipient_type": "staff", "recipient_id": "t9",
                        "notification_ids": ["n1"]}) == {"marked": 1, "unread": 2}
    assert n.unread_count({"recipient_type": "staff", "recipient_id": "t9"}) == 2
    assert n.mark_read({"recipient_type": "staff", "recipient_id": "t9", "all": True})[
        "unread"] == 0


BAD = [
    ("inbox", {"recipient_type": "boss", "recipient_id": "t1"}, "recipient_type", "not_allowed"),
    ("inbox", {"recipient_type": "staff", "recipient_id": {"$ne": 1}}, "recipient_id",
     "bad_id"),
    ("inbox", {"recipient_type": "staff", "recipient_id": "k1.father"}, "recipient_id",
     "bad_id"),
    ("inbox", {"recipient_type": "parent", "recipient_id": "k1"}, "recipient_id", "bad_id"),
    ("inbox", {"recipient_type": "staff", "recipient_id": "t1", "limit": 1000}, "limit",
     "out_of_range"),
    ("inbox", {"recipient_type": "staff", "recipient_id": "t1", "cursor": "@@"}, "cursor",
     "bad_cursor"),
    ("mark_read", {"recipient_type": "staff", "recipient_id": "t1"}, "notification_ids",
     "required"),
    ("delivery_log", {"limit": 5}, "_schema", "scope_required"),
    ("set_preferences", {"recipient_type": "parent", "recipient_id": "k1.father",
                         "channels": ["inbox"], "by": "u"}, "channels", "channel_not_available"),
    ("set_county_rules", {"county_id": "c1", "by": "u", "changes": {"birthday": {
        "days_ahead": -1}}}, "changes.birthday.days_ahead", "out_of_range"),
    ("set_county_rules", {"county_id": "c1", "by": "u", "changes": {"schedule": {
        "quiet_start": "25:00"}}}, "changes.schedule.quiet_start", "bad_time"),
    ("set_county_rules", {"county_id": "c1", "by": "u", "changes": {"contact_overdue": {
        "cadence": {"talk": {"every_days": 7, "per_semester_by_day": 3}}}}},
     "changes.contact_overdue.cadence.talk", "one_cadence"),
    ("set_parent_summary", {"child_id": "k1", "relations": ["uncle"], "by": "u"},
     "relations.0", "not_allowed"),
]


def test_bad_input_names_the_field_and_changes_nothing(network):
    net = network()
    for method, payload, field, code in BAD:
        body = _error(getattr(net.notifications, method), payload)
        assert body["code"] == "validation_failed", (method, body)
        found = [(e["field"], e["code"]) for e in body["errors"]]
        assert any(f.startswith(field) and c == code for f, c in found), (method, found)
        assert all(e["message"] for e in body["errors"])
    assert net.db.preferences.count_documents({}) == 0
    assert net.db.county_rules.count_documents({}) == 0
    assert net.db.parent_summaries.count_documents({}) == 0


def test_registry_reveals_contacts_only_for_notification_and_audits_it(network):
    net = network()
    county = net.build_county()
    mentor = county["staff"]["mentor"]
    child = net.register_child()
    r = net.registry
    r.set_notification_email({"person_type": "staff", "person_id": mentor["id"],
                              "email": "Liu@School.example.cn"})
    found = r.notification_contacts({"purpose": "notification", "people": [
        {"type": "staff", "id": mentor["id"]}, {"type": "parent", "id": child["id"] + ".father"},
        {"type": "parent", "id": child["id"] + ".mother"}, {"type": "staff", "id": "nobody"}]})
    assert sorted((p["type"], p["phone"], p["email"]) for p in found) == [
        ("parent", "13812345678", None), ("staff", "13907310002", "liu@school.example.cn")]
    audits = list(net.registry_db.pii_audit.find({"purpose": "notification"}))
    assert sorted(a["subject_id"] for a in audits) == sorted([mentor["id"], child["id"]])
    stored = net.registry_db.notification_emails.find_one()
    assert "liu@school" not in str(stored)  # sealed at rest
    body = _error(r.notification_contacts, {"purpose": "marketing", "people": [
        {"type": "staff", "id": mentor["id"]}]})
    assert body["errors"][0]["field"] == "purpose"
    body = _error(r.notification_contacts, {"purpose": "notification", "people": [
        {"type": "parent", "id": "bad id"}]})  # a malformed id is refused (issue 9 §5)
    assert body["errors"][0]["field"] == "people.0.id"
    body = _error(r.set_notification_email, {"person_type": "staff", "person_id": mentor["id"],
                                             "email": "not-an-address"})
    assert body["errors"][0]["field"] == "email"
    assert net.registry_db.pii_audit.count_documents({"purpose": "notification"}) == 2

