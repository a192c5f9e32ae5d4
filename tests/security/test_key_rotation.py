"""Key rotation (issue 9 §3): a county's files sealed under an old Fernet key are re-sealed
under a new key and moved to SM4-GCM by `python -m registry.rotate_keys`, while the registry
serves reads; interrupted and run again it finishes, and a further run writes nothing."""
import base64
import io
import json
import os
import random
from datetime import date, timedelta

import eventlet
import pytest

from carekit.testing.plugin import wait_for
from registry import rotate_keys
from registry.identity import compose_national_id
from registry.pii import Vault
from registry.rotation import rotate
from registry.service import RegistryService
from registry.tests.helpers import child_payload

FILES = 3000
HASH_KEY = "r" * 48


def key():
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def ids(n):
    start = date(2012, 1, 1)
    return [compose_national_id("430124", start + timedelta(days=i // 50), i % 50,
                                "male" if i % 2 else "female") for i in range(n)]


@pytest.fixture
def county_under_old_key(run_service, rpc, make_config, mongo_client):
    """The registry restarted with the new key first (SM4-GCM) and the old Fernet key after
    it; FILES files still sealed under the old key, as a county has them before rotating."""
    old, new = key(), key()
    config = make_config("registry", SUBSCRIBER_MODULES="registry.service",
                         PII_ENCRYPTION_KEY="{},{}".format(new, old), PII_HASH_KEY=HASH_KEY,
                         PII_CIPHER="sm4-gcm")
    run_service(RegistryService, config)
    db = mongo_client[config["MONGO_DATABASE"]]
    proxy_cm = rpc(config, context_data={"user_id": "ops"}, timeout=30)
    registry = proxy_cm.__enter__().registry
    c = registry.create_county({"code": "430124", "name": "宁乡县"})
    t = registry.create_township({"county_id": c["id"], "code": "01", "name": "花明楼镇"})
    s = registry.register_school({"township_id": t["id"], "code": "HML-01", "name": "中心小学"})
    k = registry.create_class({"school_id": s["id"], "grade": 3, "number": 2})
    county = {"schools": [s], "classes": [k]}
    template = db.children.find_one({"_id": registry.register_child(child_payload(
        county, national_id=compose_national_id(
            "430124", date(2016, 5, 17), 99, "male")))["id"]})
    for field in ("_outbox", "_outbox_pending", "_outbox_seq", "history"):
        template.pop(field, None)
    vault = Vault(old, HASH_KEY, "fernet")
    docs = []
    for i, number in enumerate(ids(FILES)):
        phone = "139{:08d}".format(i)
        docs.append(dict(template, _id="file{:05d}".format(i), national_id=vault.seal(number),
                         national_id_hash=vault.hash(number), history=[],
                         parents=[dict(template["parents"][0], phone=vault.seal(phone))],
                         guardian=dict(template["guardian"], phone=vault.seal(phone))))
    db.children.insert_many(docs)
    yield registry, db, config, Vault([new], HASH_KEY, "sm4-gcm"), county
    proxy_cm.__exit__(None, None, None)


def test_rotation_while_serving_reads_resumable_and_idempotent(county_under_old_key,
                                                               monkeypatch):
    registry, db, config, new_only, county = county_under_old_key
    numbers = ids(FILES)
    # before rotating, a duplicate is still found though its file has the old suite's hash
    with pytest.raises(Exception, match="duplicate_national_id"):
        registry.register_child(child_payload(county, national_id=numbers[7]))

    # interrupted after 1000 files ...
    vault = Vault(config["PII_ENCRYPTION_KEY"], HASH_KEY, "sm4-gcm")
    first = rotate(db, vault, limit=1000)["children"]
    assert first["examined"] == 1000 and first["resealed"] >= 999  # (one file is current)

    # ... and run again as ops would, while the registry keeps answering reads
    reads, wrong = [], []

    def reader():
        rng = random.Random(3)
        while not done:
            i = rng.randrange(FILES)
            shown = registry.get_child("file{:05d}".format(i), {"reveal": True,
                                                                "reason": "轮换期间核对"})
            reads.append(i)
            if shown["national_id"] != numbers[i] or \
                    shown["parents"][0]["phone"] != "139{:08d}".format(i):
                wrong.append(i)
    done = False
    readers = [eventlet.spawn(reader)]  # (one: a proxy serves one greenthread)
    wait_for(lambda: len(reads) >= 3, message="reads under way before the rotation")
    before = len(reads)
    for name in ("CARE_ENV", "AMQP_URI", "MONGO_URI", "MONGO_DATABASE", "PII_ENCRYPTION_KEY",
                 "PII_HASH_KEY", "PII_CIPHER"):
        monkeypatch.setenv(name, str(config[name]))
    out = io.StringIO()
    assert rotate_keys.main([], out) == 0
    done = True
    for r in readers:
        r.wait()
    report = json.loads(out.getvalue())
    assert report["cipher"] == "sm4-gcm"
    assert report["collections"]["children"]["resealed"] + first["resealed"] == FILES
    # reads kept being answered, right, while the command ran (how many depends on the machine)
    assert len(reads) > before and wrong == []

    # every value now opens with the new key alone, hashes are the new suite's
    for doc in db.children.find({"_id": {"$regex": "^file"}}):
        i = int(doc["_id"][4:])
        assert doc["national_id"]["enc"].startswith("sm4:")
        assert new_only.open(doc["national_id"]) == numbers[i]
        assert new_only.open(doc["guardian"]["phone"]) == "139{:08d}".format(i)
        assert doc["national_id_hash"] == new_only.hash(numbers[i])
    # a second run writes nothing
    again = io.StringIO()
    rotate_keys.main([], again)
    assert json.loads(again.getvalue())["collections"]["children"]["resealed"] == 0
