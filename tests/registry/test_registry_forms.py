"""Printed forms on the real broker and MongoDB stand-in: the contact card with hand-in-hand
friends and proxy parent (projected from pairing's events), 基本情况登记表, the class
手拉手结对登记卡; every print recorded and published as ContactCardIssued."""
import base64
import json
from datetime import datetime, timezone

import pytest
from nameko.exceptions import RemoteError

from carekit.events.outbox import EventRecorder
from carekit.testing.plugin import wait_for
from registry import printing
from registry.context import Ctx
from registry.pii import vault_of
from registry.service import RegistryService
from registry.tests.helpers import (  # noqa: F401  (fixtures too)
    ADMIN, child_payload, county, db, error_of, logged_events, pairing_event, pdf_text,
    publish_pairing, registry, registry_config)


@pytest.fixture
def paired(registry, county, db, amqp_uri):
    """李小明 (三年级2班) with a mentor, two hand-in-hand friends (one from 四年级1班, one
    unpaired again before its start arrived) and a proxy parent; 李小红 with nobody."""
    child = registry.register_child(child_payload(
        county, guardian={"name": "张桂英", "relation": "祖母", "age": 71,
                          "situation": "年老、患病", "literacy": "半文盲",
                          "phone": "0731-87654321", "address": "花明楼镇炭子冲村3组"},
        migrant_left_behind=True, boards_at_school=False, lunch_at_school="是"))
    sister = registry.register_child(child_payload(county, seq=2, name="李小红"))
    volunteer = registry.register_volunteer({
        "school_id": county["schools"][0]["id"], "name": "刘爷爷", "kind": "退休教师",
        "village": "炭子冲村", "phone": "13707310002"})
    teacher, other_class = county["teacher"], county["classes"][1]
    buddy = dict(buddy_name="周小军", buddy_class_id=other_class["id"])
    gone = dict(buddy_name="钱小芳", buddy_class_id=child["class_id"])
    publish_pairing(
        amqp_uri,
        pairing_event("MentorAssigned", child, "m-1", teacher_id=teacher["id"],
                      teacher_name=teacher["name"], reason="head_teacher"),
        pairing_event("BuddyPaired", child, "b-1", buddy_child_id=None, **buddy),
        pairing_event("BuddyUnpaired", child, "b-2", ended_on="2026-10-01",
                      reason="buddy_left", **gone),
        pairing_event("BuddyPaired", child, "b-2", **gone),   # late: stays ended
        pairing_event("ProxyParentAssigned", child, "v-1", volunteer_id=volunteer["id"],
                      volunteer_name="刘爷爷"))
    wait_for(lambda: db.processed_events.count_documents({"status": "done"}) == 5,
             message="five pairing events handled")
    return {"child": child, "sister": sister, "volunteer": volunteer}


def issued(db, count):
    return logged_events(db, count, "ContactCardIssued")


def test_contact_card_lists_friends_and_proxy_parent_and_each_print_is_published(
        registry, county, db, paired):
    child, sister = paired["child"], paired["sister"]
    assert db.buddies.find_one({"_id": "b-2"})["state"] == "ended"
    text = pdf_text(registry.contact_card(child["id"], "家访前核对联系方式"), "contact_card.pdf")
    for expected in ("留守儿童联系卡", "父亲外出（流动留守）", "年老、患病", "半文盲",
                     "手拉手好朋友", "周小军（四年级1班）", "代理家长", "刘爷爷（炭子冲村）",
                     "13707310002", "王老师", "13907310001"):
        assert expected in text, expected
    assert "钱小芳" not in text  # unpaired
    [event] = issued(db, 1)
    assert event.version == 1 and event.subject == child["id"]
    data = event.data
    assert (data["child_id"], data["form"], data["by"], data["school_id"], data["class_id"]) == (
        child["id"], "contact_card", ADMIN, child["school_id"], child["class_id"])
    wire = json.dumps(event.envelope, ensure_ascii=False)
    for personal in ("李小明", "张桂英", "0731-87654321", "13707310002", "刘爷爷", "家访前"):
        assert personal not in wire, personal
    record = db.prints.find_one({"_id": data["print_id"]})
    assert (record["form"], record["child_ids"], record["by"]) == (
        "contact_card", [child["id"]], ADMIN)

    cards = pdf_text(registry.class_contact_cards(county["classes"][0]["id"], "班级建档"))
    assert cards.count("留守儿童联系卡") == 2 and cards.count("暂无") == 1  # the sister
    class_print = issued(db, 3)[1:]
    assert {e.data["child_id"] for e in class_print} == {child["id"], sister["id"]}
    assert len({e.data["print_id"] for e in class_print}) == 1
    assert db.pii_audit.count_documents({"purpose": "contact_card"}) == 3


def test_basic_info_form_needs_a_reason_and_shows_the_whole_situation(
        registry, county, db, paired):
    child = paired["child"]
    for reason in (None, "", " x "):
        with pytest.raises(RemoteError) as info:
            registry.basic_info_form(child["id"], reason)
        assert [(e["field"], e["code"]) for e in error_of(info)["errors"]] == [
            ("reason", "reason_required")]
    with pytest.raises(RemoteError) as info:
        registry.basic_info_form({"$gt": ""}, "建档")
    assert error_of(info)["errors"][0]["field"] == "child_id"
    assert db.prints.count_documents({}) == 0 and db.pii_audit.count_documents({}) == 0

    text = pdf_text(registry.basic_info_form(child["id"], "建立一生一档"), "basic_info_form.pdf")
    masked = child["national_id"]
    for expected in ("留守儿童基本情况登记表", "花明楼镇中心小学", "三年级2班", "李小明", masked,
                     "■ 父亲外出", "□ 母亲外出", "流动留守", "■ 年老", "□ 体弱", "■ 患病",
                     "□ 健康", "■ 半文盲", "□ 文盲", "李建国", "广东省东莞市", "13812345678",
                     "未外出务工", "0731-87654321", "■ 心理（内向）", "周小军（四年级1班）",
                     "刘爷爷", "王老师", "填表日期"):
        assert expected in text, expected
    [event] = issued(db, 1)
    assert event.data["form"] == "basic_info_form"
    audit = db.pii_audit.find_one({"purpose": "basic_info_form"})
    assert (audit["subject_id"], audit["reason"], audit["by"]) == (child["id"], "建立一生一档",
                                                                 ADMIN)

    pages = pdf_text(registry.class_basic_info_forms(county["classes"][0]["id"], "班级建档"),
                     "class_basic_info_forms.pdf")
    assert pages.count("留守儿童基本情况登记表") == 2 and "李小红" in pages


def test_buddy_card_of_a_class_counts_share_and_who_still_needs_a_friend(
        registry, county, db, paired):
    klass = county["classes"][0]
    registry.update_class(klass["id"], {"enrolment": 40})
    card = registry.buddy_card(klass["id"])
    assert card["filename"] == "手拉手结对登记卡-三年级2班.pdf"
    text = pdf_text(card, "buddy_card.pdf")
    for expected in ("手拉手好朋友结对登记卡", "班主任 王老师", "班级人数 40 人",
                     "留守儿童 2 人（占 5%）", "已有手拉手好朋友 1 人", "周小军（四年级1班）",
                     "2026-09-10", "（待结对）", "刘爷爷", "李小红"):
        assert expected in text, expected
    events = issued(db, 2)
    assert {e.data["form"] for e in events} == {"buddy_card"}
    assert db.pii_audit.count_documents({}) == 0  # names only: not a reveal
    empty = pdf_text(registry.buddy_card(county["classes"][1]["id"]))
    assert "本班暂无登记的留守儿童" in empty
    assert db.prints.count_documents({"form": "buddy_card"}) == 2


class _At(Ctx):
    """The registry's command context at a fixed moment."""
    moment = None

    def now(self):
        return self.moment


def test_a_card_printed_at_0230_in_china_says_that_china_date(registry, county, db,
                                                              registry_config):
    child = registry.register_child(child_payload(county))
    ctx = _At(db, EventRecorder("registry", db, "test"), vault_of(
        registry_config), ADMIN)
    ctx.moment = datetime(2026, 11, 29, 18, 30, tzinfo=timezone.utc)  # 02:30 on 30 Nov in China
    for form, printed in (("contact_card", "打印日期 2026-11-30"),
                          ("basic_info_form", "填表日期：2026-11-30")):
        _, content = printing.for_child(ctx, form, child["id"], "测试日期")
        assert printed in pdf_text({"content_base64": base64.b64encode(content).decode()})
    events = issued(db, 2)
    assert {str(e.data["issued_on"]) for e in events} == {"2026-11-30"}
    assert {e.data["issued_at"] for e in events} == {ctx.moment}


def test_friends_projection_with_three_replicas_copies_and_ends_before_starts(
        registry, county, db, amqp_uri, run_service, registry_config):
    for _ in range(2):  # three replicas in all, competing for pairing's events
        run_service(RegistryService, registry_config)
    kids = [registry.register_child(child_payload(county, seq=seq, name=name))
            for seq, name in ((1, "李小明"), (2, "李小红"), (3, "李小军"))]
    starts, ends = [], []
    for i in range(12):
        friend = dict(buddy_name="朋友{}".format(i), buddy_class_id=county["classes"][0]["id"])
        starts.append(pairing_event("BuddyPaired", kids[i % 3], "b-{}".format(i), **friend))
        if i % 2 == 0:  # ended, and the end arrives first
            ends.append(pairing_event("BuddyUnpaired", kids[i % 3], "b-{}".format(i),
                                      ended_on="2026-10-08", reason="other", **friend))
    publish_pairing(amqp_uri, *(ends + starts + ends + starts))  # every event twice
    wait_for(lambda: db.processed_events.count_documents({"status": "done"}) == 18,
             timeout=30, message="18 distinct events handled")
    states = {d["_id"]: d["state"] for d in db.buddies.find({})}
    assert states == {"b-{}".format(i): "ended" if i % 2 == 0 else "active" for i in range(12)}
    text = pdf_text(registry.contact_card(kids[0]["id"], "核对"))
    assert "朋友3、朋友9" in text and "朋友0" not in text and "朋友6" not in text
