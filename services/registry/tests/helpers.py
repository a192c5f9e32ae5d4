"""Registry test helpers and fixtures (re-exported by conftest): the real service on the
test's vhost and database, and a small county."""
import base64
import os
import subprocess
from datetime import date
from pathlib import Path

import pytest

from carekit.errors import parse_remote_error
from carekit.events.bus import ConfirmingPublisher, Outgoing
from carekit.events.envelope import CONTENT_TYPE, encode, new_envelope, parse
from carekit.events.records import EVENT_LOG
from carekit.testing.plugin import wait_for
from registry.identity import compose_national_id
from registry.service import RegistryService

ADMIN = "admin-7"


@pytest.fixture
def registry_config(make_config):
    return make_config("registry", SUBSCRIBER_MODULES="registry.service")


@pytest.fixture
def registry(run_service, rpc, registry_config):
    run_service(RegistryService, registry_config)
    with rpc(registry_config, context_data={"user_id": ADMIN}) as proxy:
        yield proxy.registry


@pytest.fixture
def db(mongo_client, registry_config):
    return mongo_client[registry_config["MONGO_DATABASE"]]


@pytest.fixture
def county(registry):
    """Two townships, a school in each, two classes at the first school, one at the second,
    a head teacher at the first school."""
    c = registry.create_county({"code": "430124", "name": "宁乡县"})
    t1 = registry.create_township({"county_id": c["id"], "code": "01", "name": "花明楼镇"})
    t2 = registry.create_township({"county_id": c["id"], "code": "02", "name": "道林镇"})
    s1 = registry.register_school({"township_id": t1["id"], "code": "HML-01",
                                   "name": "花明楼镇中心小学"})
    s2 = registry.register_school({"township_id": t2["id"], "code": "DL-01",
                                   "name": "道林镇中心小学"})
    teacher = registry.register_staff({"school_id": s1["id"], "name": "王老师",
                                       "phone": "13907310001",
                                       "roles": ["teacher", "head_teacher"]})
    k1 = registry.create_class({"school_id": s1["id"], "grade": 3, "number": 2,
                                "head_teacher_id": teacher["id"]})
    k2 = registry.create_class({"school_id": s1["id"], "grade": 4, "number": 1})
    k3 = registry.create_class({"school_id": s2["id"], "grade": 3, "number": 1})
    return {"county": c, "townships": [t1, t2], "schools": [s1, s2], "classes": [k1, k2, k3],
            "teacher": teacher}


def national_id(seq, born=date(2016, 5, 17), gender="male", region="430124"):
    return compose_national_id(region, born, seq, gender)


def child_payload(county, seq=1, **overrides):
    payload = {
        "name": "李小明", "national_id": national_id(seq), "school_id": county["schools"][0]["id"],
        "class_id": county["classes"][0]["id"], "left_behind_type": "father_away",
        "parents": [{"relation": "father", "name": "李建国", "work_province": "广东省",
                     "work_city": "东莞市", "occupation": "电子厂工人", "phone": "13812345678",
                     "home_frequency": "每年春节"}],
        "guardian": {"name": "张桂英", "relation": "grandmother", "age": 66, "health": "elderly",
                     "literacy": "semi_literate", "phone": "0731-87654321",
                     "address": "花明楼镇炭子冲村3组"},
        "family_hardship": True, "special_needs": [{"kind": "psychological", "note": "内向"}],
    }
    payload.update(overrides)
    return payload


def error_of(excinfo):
    """The CareError body inside a nameko RemoteError."""
    body = parse_remote_error(excinfo.value)
    assert body is not None, excinfo.value
    return body


def logged_events(db, count, name=None):
    """Wait until `count` events (of `name`) are in the event log; parse and return them all,
    in recording order. Parsing validates envelope and data against the contract."""
    query = {"name": name} if name else {}
    wait_for(lambda: db[EVENT_LOG].count_documents(query) >= count,
             message="{} {} events".format(count, name or ""))
    docs = db[EVENT_LOG].find(query).sort("recorded_at", 1)
    return [parse(d["envelope"]) for d in docs]


def pdf_text(printout, keep_as=None):
    """The text of a printout ({filename, content_base64}) by pdftotext. With REGISTRY_PDF_DIR
    set, the PDF is also kept there (as `keep_as`) to be looked at."""
    pdf = base64.b64decode(printout["content_base64"])
    assert pdf.startswith(b"%PDF")
    if os.environ.get("REGISTRY_PDF_DIR") and keep_as:
        Path(os.environ["REGISTRY_PDF_DIR"], keep_as).write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode("utf-8")


def publish_pairing(amqp_uri, *envelopes):
    """Publish pairing's events on the test's broker, as the pairing service would."""
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        for envelope in envelopes:
            name = envelope["type"].split(".")[-2]
            outcome = publisher.publish([Outgoing(envelope["id"], "pairing.events", name,
                                                  encode(envelope), CONTENT_TYPE)])
            assert outcome.confirmed == [envelope["id"]]
    finally:
        publisher.close()


def pairing_event(name, child, pairing_id, **partner):
    """A pairing event about `child` (a registry answer); `partner` adds the kind's fields."""
    data = {"pairing_id": pairing_id, "child_id": child["id"], "child_name": child["name"],
            "school_id": child["school_id"], "class_id": child["class_id"],
            "started_on": "2026-09-10"}
    data.update(partner)
    return new_envelope("pairing", name, data, subject=child["id"])
