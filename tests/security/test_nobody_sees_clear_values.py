"""No clear national ID or phone number anywhere but in the answers that reveal them
(issue 9 §4): after a full flow (register, import a roster, update phones, transfer, reveal,
print a card, and refusals on the way) every event in the event log, every dead letter and
parked event, every history entry, every document of the registry's database (sealed values
are ciphertext), every captured log line and every error answer is searched for the clear
values the flow used."""
import base64
import json
import re
from datetime import date

import pytest
from nameko.exceptions import RemoteError

from carekit.events.dlq import DeadLetters
from carekit.events.records import EVENT_LOG
from carekit.testing.plugin import wait_for
from registry.identity import compose_national_id
from registry.sample_roster import RosterMaker, to_csv
from registry.tests.helpers import child_payload

COUNTY = "430124"
ID_A = compose_national_id(COUNTY, date(2016, 3, 9), 42, "male")
ID_B = compose_national_id(COUNTY, date(2015, 8, 21), 57, "female")
PHONES = {"father": "13912345670", "guardian": "0731-88776655", "father_new": "15011112222",
          "guardian_new": "18633334444", "staff_new": "17755556666",
          "volunteer": "13366667777"}


def forms_of(value):
    """The clear value and the parts of it a masked form must hide."""
    digits = value.replace("-", "")
    if len(value) == 18:  # a national ID: all but the region, and the sequence + check digit
        return {value, value[6:], value[10:]}
    number = value.split("-")[-1]
    return {value, digits, digits[-8:], number}


def refusal(call, *args):
    with pytest.raises(RemoteError) as info:
        call(*args)
    return str(info.value)


def test_no_clear_id_or_phone_outside_the_revealing_answers(
        registry, county, db, registry_config, capfd):
    errors = []
    s1, s2 = county["schools"][0]["id"], county["schools"][1]["id"]
    k1, k3 = county["classes"][0]["id"], county["classes"][2]["id"]
    child = registry.register_child(child_payload(
        county, national_id=ID_A, parents=[{"relation": "father", "name": "李建国",
                                            "phone": PHONES["father"]}],
        guardian={"name": "张桂英", "relation": "grandmother", "phone": PHONES["guardian"]}))
    # the roster: generated rows, one with ID_B, one updating the file of ID_A
    rows = RosterMaker(seed=11).rows(6, [(3, 2), (4, 1)])
    rows[0].update({"身份证号": ID_B, "性别": "女", "出生日期": "2015-08-21"})
    rows[1].update({"身份证号": ID_A, "性别": "男", "出生日期": "2016-03-09"})  # on file
    rows[2]["监护人电话"] = "1391234567"  # one digit short: refused, named, not echoed
    clear = {ID_A, ID_B, "1391234567"} | set(PHONES.values())
    for row in rows:
        clear.add(row["身份证号"])
        clear |= {row.get(h) for h in ("父亲电话", "母亲电话", "监护人电话") if row.get(h)}
    result = registry.import_roster({
        "school_id": s1, "filename": "花名册.csv", "mode": "valid_rows_only",
        "content_base64": base64.b64encode(to_csv(rows)).decode("ascii")})
    errors.append(json.dumps(result, ensure_ascii=False))
    assert {r["row"] for r in result["rejected"]} == {4}  # row 3: the same school updates
    # phones change, the child moves, someone reveals and prints
    registry.update_child(child["id"], {
        "parents": [{"relation": "father", "phone": PHONES["father_new"]}],
        "guardian": {"phone": PHONES["guardian_new"]}})
    registry.update_staff(county["teacher"]["id"], {"phone": PHONES["staff_new"]})
    volunteer = registry.register_volunteer({"school_id": s1, "name": "刘阿姨",
                                             "kind": "other", "phone": PHONES["volunteer"]})
    revealed = registry.get_child(child["id"], {"reveal": True, "reason": "家访核对"})
    assert revealed["national_id"] == ID_A  # the one answer that shows it
    registry.get_volunteer(volunteer["id"], {"reveal": True, "reason": "核对"})
    registry.contact_card(child["id"], "家访前核对")
    registry.transfer_child(child["id"], {"to_school_id": s2, "to_class_id": k3})
    registry.class_contact_cards(k1, "班级建档")
    # refusals on the way: their messages must not echo the values
    errors.append(refusal(registry.register_child, child_payload(county, national_id=ID_A)))
    errors.append(refusal(registry.register_child, child_payload(county, national_id=ID_A),
                          {"whole_county": True}))
    errors.append(refusal(registry.update_child, child["id"], {"national_id": ID_B}))
    errors.append(refusal(registry.update_child, child["id"], {
        "guardian": {"phone": PHONES["guardian"] + "9"}}))
    errors.append(refusal(registry.register_staff, {"school_id": s1, "name": "某",
                                                    "phone": PHONES["father"] + "1"}))
    clear |= {PHONES["guardian"] + "9", PHONES["father"] + "1"}

    wait_for(lambda: db[EVENT_LOG].count_documents({}) >= 8, message="events relayed")
    wait_for(lambda: all(db[c].count_documents({"_outbox_pending": True}) == 0
                         for c in db.list_collection_names()), message="relay settled")
    history = registry.child_history(child["id"])
    assert any(e.get("changes") for e in history)
    places = {
        "event_log and every document of the registry's database": json.dumps(
            {c: list(db[c].find({})) for c in db.list_collection_names()},
            default=str, ensure_ascii=False),
        "history entries": json.dumps(history, default=str, ensure_ascii=False),
        "dead letters": json.dumps(DeadLetters(registry_config["AMQP_URI"], "registry").list(),
                                   ensure_ascii=False),
        "error answers": "\n".join(errors),
        "log lines": "\n".join(capfd.readouterr()),
    }
    # the sweep sees what it claims to: events, the refusals in the log, the masked history
    assert "ChildTransferred" in places["event_log and every document of the registry's database"]
    assert "duplicate_national_id" in places["log lines"]
    assert "****" in places["history entries"]
    found = [(where, form) for value in sorted(clear) for form in forms_of(value)
             for where, text in places.items()
             if re.search(r"(?<!\d)" + re.escape(form) + r"(?!\d)", text)]
    assert found == []
