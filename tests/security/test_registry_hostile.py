"""Every argument of every registry RPC, attacked with the shared hostile corpus
(carekit.testing.hostile, issue 9 §5) on seeded data: each variant is refused with
`validation_failed` naming the field, no internal error text reaches the caller, and nothing
in the registry's database changes. Also the attacks first reported against the demo."""
import base64
import json
import time

import pytest
from nameko.exceptions import RemoteError

from carekit.errors import parse_remote_error
from carekit.testing import hostile
from registry.service import RegistryService
from registry.tests.helpers import child_payload, national_id

REASON = "核对信息"


def settled(db, quiet=1.0, timeout=30):
    """Wait until the relay has nothing left to publish and the event log stops growing."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        now = (db.event_log.count_documents({}), sum(
            db[c].count_documents({"_outbox_pending": True}) for c in db.list_collection_names()))
        if now == last and now[1] == 0:
            return
        last = now
        time.sleep(quiet)
    raise AssertionError("the registry's relay did not settle")


@pytest.fixture
def seeded(registry, county, db):
    s1, s2 = (s["id"] for s in county["schools"])
    k1, _, k3 = (k["id"] for k in county["classes"])
    first = registry.register_child(child_payload(county, seq=1))
    second = registry.register_child(child_payload(county, seq=2, name="李小红",
                                                   national_id=national_id(2, gender="female"),
                                                   gender="female"))
    moved = registry.register_child(child_payload(county, seq=3, name="王小刚"))
    registry.transfer_child(moved["id"], {"to_school_id": s2, "to_class_id": k3})
    volunteer = registry.register_volunteer({"school_id": s1, "name": "刘阿姨",
                                             "kind": "village_committee_member",
                                             "phone": "13907310009"})
    settled(db)
    return dict(C=county["county"]["id"], T=county["townships"][0]["id"], S=s1, S2=s2, K=k1,
                K3=k3, CH=first["id"], CH2=second["id"], H=first["household_id"],
                TE=county["teacher"]["id"], V=volunteer["id"], county=county)


def samples_for(x):
    scope = {"school_ids": [x["S"]], "whole_county": False}
    csv = "姓名,身份证号\n李四,{}\n".format(national_id(9)).encode("utf-8")
    reveal = {"reveal": True, "reason": REASON}
    leave = {"left_on": "2026-09-01", "reason": "调走"}
    page = {"limit": 10}
    one = {
        "create_county": {"payload": {"code": "X1", "name": "某县"}},
        "update_county": {"county_id": x["C"], "changes": {"code": "430199", "name": "新县"}},
        "create_township": {"payload": {"county_id": x["C"], "code": "09", "name": "某镇"}},
        "list_counties": {},
        "update_township": {"township_id": x["T"], "changes": {"code": "08", "name": "某镇"}},
        "list_townships": {"query": dict(page, county_id=x["C"])},
        "register_school": {"payload": {"township_id": x["T"], "code": "N-1", "name": "新校",
                                        "address": "某村", "enrolment": 300}},
        "update_school": {"school_id": x["S"], "changes": {"name": "新校名", "enrolment": 500,
                                                           "address": "某村", "code": "N-2"}},
        "list_schools": {"query": dict(page, county_id=x["C"], township_id=x["T"])},
        "create_class": {"payload": {"school_id": x["S"], "grade": 5, "number": 3,
                                     "head_teacher_id": x["TE"], "enrolment": 40}},
        "update_class": {"class_id": x["K"], "changes": {"head_teacher_id": x["TE"],
                                                         "enrolment": 40}},
        "list_classes": {"query": dict(page, school_id=x["S"])},
        "register_child": {"payload": child_payload(x["county"], seq=7,
                                                    sibling_ids=[x["CH"]]), "scope": scope},
        "update_child": {"child_id": x["CH"], "changes": {
            "name": "李大明", "guardian": {"phone": "13900001111", "age": 70},
            "expected_version": 1, "boards_at_school": True, "notes": "备注"}, "scope": scope},
        "change_child_status": {"child_id": x["CH"], "payload": {
            "status": "not_left_behind", "reason_code": "parents_returned", "reason": "返乡",
            "effective_date": "2026-09-01"}},
        "transfer_child": {"child_id": x["CH"], "payload": {
            "to_school_id": x["S2"], "to_class_id": x["K3"], "effective_date": "2026-09-01",
            "reason": "随父母"}},
        "link_siblings": {"child_ids": [x["CH"], x["CH2"]]},
        "get_child": {"child_id": x["CH"], "request": reveal},
        "list_children": {"query": dict(page, school_id=x["S"], class_id=x["K"],
                                        status="active", household_id=x["H"])},
        "child_history": {"child_id": x["CH"]},
        "transferred_out": {"query": dict(page, school_id=x["S"])},
        "find_child_by_national_id": {"request": {"national_id": national_id(1),
                                                  "reason": REASON, "scope": scope}},
        "register_staff": {"payload": {"school_id": x["S"], "name": "赵老师", "gender": "female",
                                       "phone": "13907310002", "roles": ["teacher"],
                                       "class_ids": [x["K"]], "subject": "语文"}},
        "update_staff": {"staff_id": x["TE"], "changes": {"name": "王老师", "subject": "数学",
                                                          "phone": "13907310003",
                                                          "class_ids": [x["K"]]}},
        "staff_left": {"staff_id": x["TE"], "payload": leave},
        "get_staff": {"staff_id": x["TE"], "request": reveal},
        "list_staff": {"query": dict(page, school_id=x["S"], active=True)},
        "register_volunteer": {"payload": {"school_id": x["S"], "name": "陈叔叔",
                                           "kind": "retired_teacher", "village": "某村",
                                           "phone": "13907310008", "note": "退休"}},
        "volunteer_left": {"volunteer_id": x["V"], "payload": leave},
        "get_volunteer": {"volunteer_id": x["V"], "request": reveal},
        "list_volunteers": {"query": dict(page, school_id=x["S"], active=True)},
        "roster_template": {"file_format": "csv"},
        "import_roster": {"payload": {"school_id": x["S"], "filename": "花名册.csv",
                                      "content_base64": base64.b64encode(csv).decode(),
                                      "mode": "valid_rows_only"}, "scope": scope},
        "contact_card": {"child_id": x["CH"], "reason": REASON},
        "class_contact_cards": {"class_id": x["K"], "reason": REASON},
        "basic_info_form": {"child_id": x["CH"], "reason": REASON},
        "class_basic_info_forms": {"class_id": x["K"], "reason": REASON},
        "buddy_card": {"class_id": x["K"]},
        "notification_contacts": {"payload": {"people": [{"type": "staff", "id": x["TE"]}],
                                              "purpose": "notification", "reason": "发送提醒"}},
        "set_notification_email": {"payload": {"person_type": "staff", "person_id": x["TE"],
                                               "email": "wang@example.cn"}},
    }
    return {method: [call] for method, call in one.items()}


def test_every_registry_rpc_has_a_sample():
    assert set(hostile.rpc_methods(RegistryService)) - set(hostile.KIT_RPCS) == set(
        samples_for({k: "x" for k in ("C", "T", "S", "S2", "K", "K3", "CH", "CH2", "H", "TE",
                                      "V")} | {"county": _FAKE_COUNTY}))


_FAKE_COUNTY = {"schools": [{"id": "s"}], "classes": [{"id": "k"}]}


def test_the_shared_hostile_corpus_against_every_registry_rpc(registry, rpc, registry_config,
                                                              db, seeded):
    before = hostile.database_snapshot(db)
    with rpc(registry_config, context_data={"user_id": "attacker"}, timeout=60) as proxy:
        findings = hostile.Attack(proxy.registry, RegistryService, samples=samples_for(seeded),
                                  skip=hostile.KIT_RPCS).run()
    assert findings == [], "\n".join(map(str, findings))
    assert hostile.database_snapshot(db) == before


def _refusal(call, *args):
    with pytest.raises(RemoteError) as info:
        call(*args)
    return parse_remote_error(info.value)


def test_the_attacks_reported_on_the_demo_are_refused(registry, db, seeded):
    """get_child({"$gt": ""}) gave a file; the list RPCs with {"$ne": null} gave every
    school's records; transferred_out({"$ne": null}) answered the database's error text."""
    before = hostile.database_snapshot(db)
    operator = {"$ne": None}
    for call, args, field in (
            (registry.get_child, ({"$gt": ""},), "child_id"),
            (registry.list_staff, ({"school_id": operator},), "school_id"),
            (registry.list_volunteers, ({"school_id": operator},), "school_id"),
            (registry.list_classes, ({"school_id": operator},), "school_id"),
            (registry.list_schools, ({"county_id": operator},), "county_id"),
            (registry.list_children, ({"school_id": operator},), "school_id"),
            (registry.transferred_out, ({"school_id": operator},), "school_id")):
        body = _refusal(call, *args)
        assert body["code"] == "validation_failed"
        assert field in [e["field"] for e in body["errors"]], body
    # a bare operator where the old signature took an id is refused as a query, not run
    for call in (registry.list_staff, registry.list_classes, registry.transferred_out):
        assert _refusal(call, operator)["code"] == "validation_failed"
    assert hostile.database_snapshot(db) == before


@pytest.mark.parametrize("method", ["list_staff", "list_volunteers", "list_classes",
                                    "list_children", "transferred_out", "list_townships"])
def test_list_rpcs_require_a_scope(registry, method):
    body = _refusal(getattr(registry, method), {})
    assert body["code"] == "validation_failed" and body["errors"][0]["code"] in (
        "required", "scope_required")


def test_lists_answer_one_page_with_a_cursor(registry, county):
    school = county["schools"][0]["id"]
    for seq in range(1, 6):
        registry.register_child(child_payload(county, seq=seq, name="孩子{}".format(seq)))
    seen, cursor = [], None
    while True:
        answer = registry.list_children({"school_id": school, "limit": 2, "cursor": cursor})
        assert len(answer["items"]) <= 2
        seen += [c["name"] for c in answer["items"]]
        cursor = answer["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == ["孩子{}".format(i) for i in range(1, 6)]
    body = _refusal(registry.list_children, {"school_id": school, "limit": 501})
    assert body["errors"][0]["field"] == "limit"
    body = _refusal(registry.list_children, {"school_id": school, "cursor": "bm90LWEtY3Vyc29y"})
    assert body["errors"][0]["code"] == "bad_cursor"


def test_an_internal_error_answers_a_code_and_a_reference_never_its_text(
        registry, db, county, capfd):
    """A failure the registry did not foresee (here its database refuses the write) reaches
    the caller as `internal_error` with a reference; the text is in the log line only."""
    child = registry.register_child(child_payload(county))
    # the child's stored file made unreadable: the vault cannot open a token it did not seal
    db.children.update_one({"_id": child["id"]}, {"$set": {"national_id.enc": "gAAAA-broken"}})
    body = _refusal(registry.get_child, child["id"])
    assert body["code"] == "internal_error"
    reference = body["detail"]["reference"]
    text = json.dumps(body, ensure_ascii=False)
    assert "Token" not in text and "Traceback" not in text and "gAAAA" not in text
    logged = [json.loads(line) for line in capfd.readouterr().err.splitlines()
              if line.startswith("{") and reference in line]
    assert [entry["event"] for entry in logged] == ["rpc_internal_error"]
    assert logged[0]["error_type"] == "UnreadableValue"
