"""End to end on the real broker, MongoDB stand-in, registry, and local SMTP / SMS / robot
servers: the clock moves, reminders arrive where they should, once, at the right hour."""
import json
from datetime import timedelta

from tests.notifications.conftest import ADMIN_USER, china, china_today, national_id

EMAIL = "liu.teacher@school.example.cn"


def _birth_far_from_today(years=10):
    """A birth date whose birthday is nowhere near the days these tests look at."""
    far = china_today() + timedelta(days=120)
    return far.replace(year=far.year - years, day=min(far.day, 28))


def _child(net, seq=1):
    return net.register_child(seq=seq, national_id=national_id(seq, born=_birth_far_from_today()))


def _at_nine(net, day):
    net.clock.set(china(day.year, day.month, day.day, 9))


def _talk_due_today(net, hour=9, before=lambda county: None):
    """A child whose mentor's last talk is due today, the clock at `hour` China time today;
    returns (county, child) once the replicas have done what that moment allows. `before`
    runs once the county exists, before the child does."""
    county = net.build_county()
    before(county)
    today = china_today()
    net.clock.set(china(today.year, today.month, today.day, hour))
    child = _child(net)
    net.wait_handled(net.assign_mentor(child, county["staff"]["mentor"],
                                       today - timedelta(days=14)), "on_mentor_assigned")
    net.wait_settled()
    return county, child


def test_overdue_talk_reaches_the_mentor_then_the_head_teacher_once_with_three_replicas(
        network):
    net = network(replicas=3)
    county = net.build_county()
    mentor, head = county["staff"]["mentor"], county["staff"]["head"]
    net.registry.set_notification_email({"person_type": "staff", "person_id": mentor["id"],
                                         "email": EMAIL})
    net.notifications.set_preferences({"recipient_type": "staff", "recipient_id": mentor["id"],
                                       "channels": ["inbox", "sms", "email"], "by": ADMIN_USER})
    today = china_today()
    _at_nine(net, today)
    child = _child(net)
    net.wait_handled(net.assign_mentor(child, mentor, today - timedelta(days=14)),
                     "on_mentor_assigned")
    net.wait_settled()

    # the mentor: one inbox item, one SMS, one e-mail, whatever three replicas did
    inbox = net.inbox(mentor)
    assert [item["title"] for item in inbox["items"]] == ["【提醒】李小明已到谈心时间"]
    assert inbox["unread"] == 1
    texts = net.sms_to("13907310002")
    assert len(texts) == 1 and "李小明" in texts[0]["text"] and texts[0]["sign"]
    assert [r["authorization"] for r in net.sms.received()] == ["Bearer test-token"]
    [(to, subject, body)] = net.smtp.mails()
    assert to == [EMAIL] and subject == "【提醒】李小明已到谈心时间" and "谈心" in body
    sent = net.events("NotificationSent")
    assert sorted(e.data["channel"] for e in sent) == ["email", "inbox", "sms"]
    assert {e.data["recipient_id"] for e in sent} == {mentor["id"]}
    assert net.sms_to("13907310001") == []  # the head teacher: not yet

    # contact details were revealed by the registry for this purpose, and not kept here
    audits = list(net.registry_db.pii_audit.find({"purpose": "notification"}))
    assert {a["subject_id"] for a in audits} == {mentor["id"]}
    assert {a["by"] for a in audits} == {"service:notifications"}
    for name in net.db.list_collection_names():
        text = json.dumps(list(net.db[name].find()), default=str, ensure_ascii=False)
        assert "13907310002" not in text and EMAIL not in text, name

    # a week later still no talk: the head teacher is told; the mentor is not told again
    net.clock.advance(days=7)
    net.wait_settled()
    head_texts = net.sms_to("13907310001")
    assert len(head_texts) == 1 and "逾期7天" in head_texts[0]["text"]
    assert [i["title"] for i in net.inbox(head)["items"]] == ["【督办】李小明的谈心已逾期7天"]
    assert len(net.sms_to("13907310002")) == 1 and len(net.smtp.mails()) == 1
    log = net.notifications.delivery_log({"child_id": child["id"]})
    assert sorted((i["level"], i["recipient"]["id"]) for i in log["items"]) == [
        (0, mentor["id"]), (1, head["id"])]
    assert all(i["deliveries"]["sms"]["status"] == "sent" for i in log["items"])


def test_quiet_hours_hold_sms_until_morning_but_not_the_inbox(network):
    net = network()
    county, _ = _talk_due_today(net, hour=23)
    mentor, today = county["staff"]["mentor"], china_today()
    assert len(net.inbox(mentor)["items"]) == 1
    [doc] = net.db.notifications.find()
    assert doc["deliveries"]["sms"]["status"] == "held"
    assert net.sms.received() == []

    net.clock.set(china(today.year, today.month, today.day, 7, 31) + timedelta(days=1))
    net.wait_settled()
    assert len(net.sms_to("13907310002")) == 1
    [sent_sms] = [e for e in net.events("NotificationSent") if e.data["channel"] == "sms"]
    assert sent_sms.data["held_until"] is not None


def test_a_failing_sms_gateway_is_retried_then_notification_failed(network):
    net = network(sms_status=500)
    _talk_due_today(net)
    # NOTIFY_RETRY_SECONDS=0.3,0.3: the first try and two retries, then given up
    net.wait_settled()
    from carekit.testing.plugin import wait_for
    failed = wait_for(lambda: net.events("NotificationFailed"), timeout=30,
                      message="NotificationFailed")
    assert [(e.data["channel"], e.data["attempts"], e.data["error_code"]) for e in failed] == [
        ("sms", 3, "unreachable")]
    assert len(net.sms.received()) == 3
    assert [e.data["channel"] for e in net.events("NotificationSent")] == ["inbox"]
    assert "13907310002" not in json.dumps(failed[0].envelope)


def test_an_opted_out_recipient_gets_nothing(network):
    net = network()
    county, _ = _talk_due_today(net, before=lambda county: net.notifications.set_preferences({
        "recipient_type": "staff", "recipient_id": county["staff"]["mentor"]["id"],
        "opt_out": True, "by": ADMIN_USER}))
    mentor = county["staff"]["mentor"]
    assert net.db.notifications.count_documents({}) == 1  # decided, then not sent
    assert net.inbox(mentor)["items"] == []
    assert net.sms.received() == [] and net.smtp.received() == []
    assert net.events("NotificationSent") == []
    assert not net.registry_db.pii_audit.find_one({"purpose": "notification"})
