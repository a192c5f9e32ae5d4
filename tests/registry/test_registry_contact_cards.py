"""Contact cards (PDF, Chinese text) and the mentor projection fed by pairing's events."""
from carekit.testing.plugin import wait_for
from registry.tests.helpers import (  # noqa: F401  (fixtures too)
    ADMIN, child_payload, county, db, pairing_event, pdf_text, publish_pairing, registry,
    registry_config)


def mentor_event(name, child, teacher, pairing_id="p-1", **extra):
    return pairing_event(name, child, pairing_id, teacher_id=teacher["id"],
                         teacher_name=teacher["name"], **extra)


def test_card_shows_people_and_full_phones_and_printing_is_audited(registry, county, db,
                                                                  amqp_uri):
    child = registry.register_child(child_payload(county))
    sister = registry.register_child(child_payload(county, seq=2, name="李小红",
                                                   sibling_ids=[child["id"]]))
    text = pdf_text(registry.contact_card(child["id"], "家访"), "contact_card.pdf")
    for expected in ("留守儿童联系卡", "李小明", "花明楼镇中心小学", "三年级2班", "张桂英", "祖母",
                     "0731-87654321", "李建国", "广东省东莞市", "13812345678", "王老师",
                     "13907310001", "未结对"):
        assert expected in text, expected
    assert db.pii_audit.find_one({"subject_id": child["id"], "purpose": "contact_card",
                                  "by": ADMIN})

    publish_pairing(amqp_uri, mentor_event("MentorAssigned", child, county["teacher"],
                                           reason="head_teacher"))
    wait_for(lambda: db.mentors.find_one({"_id": "p-1"}), message="mentor projected")
    class_cards = registry.class_contact_cards(county["classes"][0]["id"], "班级")
    text = pdf_text(class_cards)
    assert "李小明" in text and "李小红" in text and sister["id"]
    assert text.count("未结对") == 1  # the sister has no mentor yet
    assert class_cards["filename"] == "联系卡-三年级2班.pdf"


def test_mentor_projection_is_idempotent_and_order_tolerant(registry, county, db, amqp_uri):
    child = registry.register_child(child_payload(county))
    teacher = county["teacher"]
    released = mentor_event("MentorReleased", child, teacher, ended_on="2026-10-01",
                            reason="teacher_left")
    assigned = mentor_event("MentorAssigned", child, teacher, reason="manual")
    publish_pairing(amqp_uri, released, assigned, assigned)  # end first, start twice, late
    wait_for(lambda: db.processed_events.count_documents({}) == 2, message="both handled")
    wait_for(lambda: db.mentors.find_one({"_id": "p-1", "teacher_name": "王老师"}))
    assert db.mentors.find_one({"_id": "p-1"})["state"] == "ended"
    assert "未结对" in pdf_text(registry.contact_card(child["id"], "家访"))
