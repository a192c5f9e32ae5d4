"""The public stream on the real broker and MongoDB stand-in: the registry's relays copy its
public events, de-identified, to each onboarded bureau; the bureaus read them with the
example subscriber (pika + jsonschema, in its own process) under their own accounts."""
import json
from datetime import date, timedelta

import pytest
from kombu import Connection, Producer

from carekit.bureaus import onboarding
from carekit.bureaus.broker import PUBLIC_EXCHANGE
from carekit.events.public import Keyring
from carekit.events.records import EVENT_LOG
from carekit.testing.plugin import wait_for
from registry.tests.helpers import child_payload, county, db, national_id  # noqa: F401
from tests.bureaus.support import asyncapi_file, private_values_in, run_amqp_subscriber
from tests.infra.test_rabbitmq_provision import refused

PRIVATE = ["李小明", "李建国", "张桂英", "13812345678", "0731-87654321", "花明楼镇炭子冲村3组",
           "2016-05-17", "内向", "父亲返乡创业", "随祖母迁居道林镇", "东莞市", "电子厂工人"]


def logged(db, count, names):
    wait_for(lambda: db[EVENT_LOG].count_documents({"name": {"$in": names}}) >= count,
             message="{} events logged".format(count))
    return list(db[EVENT_LOG].find({"name": {"$in": names}}).sort("order", 1))


def events_of(received, name=None):
    return [r["event"] for r in received
            if name is None or r["event"]["type"].split(".")[-2] == name]


def test_each_bureau_gets_its_own_deidentified_copies_and_nothing_private(
        registry, county, db, county_of, tmp_path, registry_config):
    bureaus = county_of()
    with pytest.raises(onboarding.OnboardingError) as refusal:  # school events: education only
        onboarding.onboard(bureaus, "minzheng", ["ChildRegistered", "SchoolRegistered"])
    assert "SchoolRegistered" in str(refusal.value)
    civil = onboarding.onboard(bureaus, "minzheng",
                               ["ChildRegistered", "ChildStatusChanged", "TownshipRegistered"])
    education = onboarding.onboard(bureaus, "jiaoyu", ["all"], education=True)
    assert civil["queue"] == "public.minzheng" and civil["password"]

    first = registry.register_child(child_payload(county, seq=1))
    second = registry.register_child(child_payload(county, seq=2, name="王芳",
                                                  national_id=national_id(2, gender="female")))
    registry.change_child_status(first["id"], {"status": "not_left_behind",
                                               "reason": "父亲返乡创业",
                                               "effective_date": "2026-03-01"})
    registry.transfer_child(second["id"], {
        "to_school_id": county["schools"][1]["id"], "to_class_id": county["classes"][2]["id"],
        "effective_date": "2026-09-01", "reason": "随祖母迁居道林镇"})
    registry.create_township({"county_id": county["county"]["id"], "code": "03",
                              "name": "灰汤镇"})
    logged_events = logged(db, 7, ["ChildRegistered", "ChildStatusChanged", "ChildTransferred",
                                   "TownshipRegistered"])  # the county's two townships first
    assert [e["name"] for e in logged_events][-5:] == [
        "ChildRegistered", "ChildRegistered", "ChildStatusChanged", "ChildTransferred",
        "TownshipRegistered"]
    # the event log notes which bureaus' copies the broker took
    wait_for(lambda: all(db[EVENT_LOG].find_one({"_id": e["_id"]}).get("public")
                         for e in logged_events[-5:]), message="copies noted")

    schema = asyncapi_file(tmp_path)
    got, rejected = {}, {}
    for told in (civil, education):
        got[told["bureau"]], rejected[told["bureau"]] = run_amqp_subscriber(
            bureaus.uri(told), told["queue"], schema, tmp_path / (told["bureau"] + ".jsonl"),
            tmp_path / (told["bureau"] + ".rejected.jsonl"))
    # every event validates against the AsyncAPI document (the example checks each one)
    assert rejected == {"minzheng": [], "jiaoyu": []}
    civil_got, edu_got = events_of(got["minzheng"]), events_of(got["jiaoyu"])
    assert sorted(e["type"].split(".")[-2] for e in civil_got) == [
        "ChildRegistered", "ChildRegistered", "ChildStatusChanged", "TownshipRegistered"]
    assert sorted(e["type"].split(".")[-2] for e in edu_got) == [
        "ChildRegistered", "ChildRegistered", "ChildStatusChanged", "ChildTransferred",
        "TownshipRegistered"]

    # pseudonyms: stable within a bureau, different between bureaus, never the child's id
    keyring = Keyring(registry_config["PUBLIC_STREAM_KEY"])
    for bureau, received in (("minzheng", civil_got), ("jiaoyu", edu_got)):
        by_child = {e["data"]["child"] for e in received if "child" in e["data"]}
        assert by_child == {keyring.pseudonym(bureau, "child", first["id"]),
                            keyring.pseudonym(bureau, "child", second["id"])}
    civil_children = {e["data"]["child"] for e in civil_got if "child" in e["data"]}
    assert not civil_children & {e["data"].get("child") for e in edu_got}
    assert not {e["id"] for e in civil_got} & {e["id"] for e in edu_got}
    status = events_of(got["minzheng"], "ChildStatusChanged")[0]["data"]
    assert (status["status"], status["previous_status"], status["reason_code"],
            status["effective_date"], status["age_band"], status["gender"]) == (
        "not_left_behind", "active", "parents_returned", "2026-03-01", "9-11", "male")
    # the school only for the education side
    assert all("school_id" not in e["data"] and "grade" not in e["data"] for e in civil_got)
    moved = events_of(got["jiaoyu"], "ChildTransferred")[0]["data"]
    assert (moved["school_id"], moved["from_school_id"], moved["township_id"]) == (
        county["schools"][1]["id"], county["schools"][0]["id"], county["townships"][1]["id"])

    # nothing private in any body: names, ID numbers, phones, address, birth date, notes, ids
    files = registry.get_child(first["id"], {"reveal": True, "reason": "核对公开数据"})
    text = (tmp_path / "minzheng.jsonl").read_text(encoding="utf-8") \
        + (tmp_path / "jiaoyu.jsonl").read_text(encoding="utf-8")
    private = PRIVATE + [files["national_id"], first["id"], second["id"],
                         first["class_id"], first["household_id"]]
    assert private_values_in(text, private) == []
    assert private_values_in(json.dumps(got, ensure_ascii=True), private) == []


def test_list_and_offboard(registry, county, db, county_of, tmp_path):
    bureaus = county_of()
    civil = onboarding.onboard(bureaus, "minzheng", ["ChildRegistered"])
    onboarding.onboard(bureaus, "fulian", ["ChildRegistered", "ChildStatusChanged"])
    registry.register_child(child_payload(county, seq=3))
    logged(db, 1, ["ChildRegistered"])
    rows = {}

    def listed():
        rows.update({r["bureau"]: r for r in onboarding.listing(bureaus)})
        return rows.get("fulian", {}).get("messages") == 1
    wait_for(listed, timeout=20, interval=1, message="queue depths in the management API")
    assert (rows["fulian"]["events"], rows["fulian"]["account"], rows["fulian"]["delivery"],
            rows["fulian"]["publishers_agree"], rows["minzheng"]["messages"]) == (
        ["ChildRegistered", "ChildStatusChanged"], True, "amqp", True, 1)

    onboarding.offboard(bureaus, "minzheng")
    assert bureaus.api.queue(bureaus.vhost, "public.minzheng") is None
    assert not bureaus.api.user_exists(bureaus.user("minzheng"))
    with pytest.raises(Exception):
        with Connection(bureaus.uri(civil)) as conn:
            conn.connect()
    later = registry.register_child(child_payload(county, seq=4))
    entry = wait_for(lambda: db[EVENT_LOG].find_one({"envelope.subject": later["id"]}),
                     message="logged after offboarding")
    wait_for(lambda: (db[EVENT_LOG].find_one({"_id": entry["_id"]}).get("public") or {})
             .get("fulian"), message="fulian's copy noted")
    assert "minzheng" not in db[EVENT_LOG].find_one({"_id": entry["_id"]})["public"]
    assert [r["bureau"] for r in onboarding.listing(bureaus)] == ["fulian"]


def test_a_bureau_account_reads_its_own_queue_and_can_do_nothing_else(
        registry, county, county_of, amqp_uri):
    bureaus = county_of()
    mine = onboarding.onboard(bureaus, "gongan", ["ChildRegistered"])
    onboarding.onboard(bureaus, "weijian", ["ChildRegistered", "ChildStatusChanged"])
    registry.register_child(child_payload(county, seq=5))
    uri = bureaus.uri(mine)

    def get(queue):
        with Connection(uri) as conn:
            return conn.channel().basic_get(queue, no_ack=False)

    def publish(exchange, key):
        with Connection(uri, transport_options={"confirm_publish": True}) as conn:
            Producer(conn.channel()).publish({"forged": True}, exchange=exchange,
                                             routing_key=key, retry=False)

    def bind(queue, exchange, key):
        with Connection(uri) as conn:
            conn.channel().queue_bind(queue, exchange, routing_key=key)

    wait_for(lambda: get("public.gongan"), message="its own copy")
    handler_queue = "evt-registry-ChildRegistered--pairing.on_child_registered"
    with Connection(amqp_uri) as conn:  # queues of others exist (so refusals are about rights)
        channel = conn.channel()
        channel.queue_declare(handler_queue, durable=True, auto_delete=False)
        channel.queue_declare("dlq.registry", durable=True, auto_delete=False)
    for queue in ("public.weijian", handler_queue, "dlq.registry", "rpc-registry"):
        assert refused(lambda: get(queue)), queue
    for exchange, key in ((PUBLIC_EXCHANGE, "gongan.ChildRegistered"),
                          (PUBLIC_EXCHANGE, "weijian.ChildRegistered"),
                          ("registry.events", "ChildRegistered"), ("", "public.gongan"),
                          ("amq.default", "public.weijian"), ("nameko-rpc", "registry.health")):
        assert refused(lambda: publish(exchange, key)), (exchange, key)
    for exchange, key in ((PUBLIC_EXCHANGE, "weijian.ChildStatusChanged"),
                          (PUBLIC_EXCHANGE, "#"), (PUBLIC_EXCHANGE, "gongan.ChildUpdated"),
                          ("registry.events", "ChildRegistered"), ("amq.topic", "#")):
        assert refused(lambda: bind("public.gongan", exchange, key)), (exchange, key)
    with Connection(uri) as conn:
        assert refused(lambda: conn.channel().queue_declare("gongan-own", durable=True))
    with Connection(uri) as conn:
        assert refused(lambda: conn.channel().queue_delete("public.gongan"))
    # nothing of that changed what the broker routes to it
    assert sorted(bureaus.api.bindings_from(bureaus.vhost, PUBLIC_EXCHANGE, "public.gongan")) \
        == ["gongan.ChildRegistered"]


def test_replay_sends_what_the_bureau_missed_once_in_order(
        registry, county, db, county_of, tmp_path, registry_config):
    bureaus = county_of()
    before = registry.register_child(child_payload(county, seq=6))
    registry.change_child_status(before["id"], {"status": "not_left_behind",
                                                "effective_date": "2026-03-01"})
    registry.update_child(before["id"], {"left_behind_type": "both_parents_away"})
    logged(db, 1, ["ChildUpdated"])
    told = onboarding.onboard(bureaus, "minzheng",
                              ["ChildRegistered", "ChildStatusChanged", "ChildUpdated"])
    after = registry.register_child(child_payload(county, seq=7))
    live = wait_for(lambda: db[EVENT_LOG].find_one({"name": "ChildRegistered",
                                                    "public.minzheng": {"$exists": True}}),
                    message="the live copy noted")
    today = date.today()
    assert onboarding.replay(bureaus, "minzheng", (today + timedelta(days=2)).isoformat()) == 0
    count = onboarding.replay(bureaus, "minzheng", (today - timedelta(days=1)).isoformat())
    assert count == 3

    received, rejected = run_amqp_subscriber(bureaus.uri(told), told["queue"],
                                             asyncapi_file(tmp_path), tmp_path / "got.jsonl",
                                             tmp_path / "rejected.jsonl")
    assert rejected == []
    keyring = Keyring(registry_config["PUBLIC_STREAM_KEY"])
    child = {before["id"]: keyring.pseudonym("minzheng", "child", before["id"]),
             after["id"]: keyring.pseudonym("minzheng", "child", after["id"])}
    flow = [(r["event"]["type"].split(".")[-2], r["event"]["data"]["child"],
             bool(r["event"].get("replay")), r["replay_header"]) for r in received]
    # the live one, then the three it missed, in the order they happened, each once
    assert flow == [("ChildRegistered", child[after["id"]], False, False),
                    ("ChildRegistered", child[before["id"]], True, True),
                    ("ChildStatusChanged", child[before["id"]], True, True),
                    ("ChildUpdated", child[before["id"]], True, True)]
    assert len({r["event"]["id"] for r in received}) == 4
    assert live["envelope"]["subject"] == after["id"]


def test_the_commands_as_ops_run_them(registry, county, db, run_service, make_config,
                                      rabbit_admin, amqp_uri, tmp_path):
    """`python -m carekit.bureaus` in its own process, every publisher running: onboard
    prints the credentials once, list shows the bureau, offboard removes it."""
    import os
    import re
    import subprocess
    import sys
    import uuid

    from activities.service import ActivitiesService
    from pairing.service import PairingService
    from tests.bureaus.support import ROOT
    for cls, name in ((PairingService, "pairing"), (ActivitiesService, "activities")):
        run_service(cls, make_config(name, PUBLIC_DIRECTORY_SECONDS="0.2"))
    env = dict(os.environ, AMQP_URI=amqp_uri, RABBITMQ_MANAGEMENT_URL=rabbit_admin.api,
               PYTHONPATH=str(ROOT / "services"))
    bureau = "cli" + uuid.uuid4().hex[:8]

    def command(*args):
        result = subprocess.run([sys.executable, "-m", "carekit.bureaus"] + list(args),
                                env=env, capture_output=True, text=True, timeout=120)
        return result.returncode, result.stdout, result.stderr

    registry.register_child(child_payload(county, seq=9))  # before: for the replay
    code, out, err = command("onboard", bureau, "--events",
                             "ChildRegistered,MentorAssigned,VisitLogged")
    try:
        assert code == 0, err
        password = re.search(r"password: (\S+)", out).group(1)
        assert "queue:    public.{}".format(bureau) in out
        registry.register_child(child_payload(county, seq=8))
        with Connection("amqp://bureau-{}:{}@{}:{}/{}".format(
                bureau, password, rabbit_admin.host, rabbit_admin.port,
                amqp_uri.rsplit("/", 1)[1])) as conn:
            channel = conn.channel()
            message = wait_for(lambda: channel.basic_get("public." + bureau, no_ack=True),
                               message="the bureau's first event")
        assert json.loads(message.body)["type"] == "org.care-network.public.ChildRegistered.v2"
        code, out, err = command("list")
        assert code == 0, err
        row = next(line for line in out.splitlines() if line.startswith(bureau))
        assert "ChildRegistered,MentorAssigned,VisitLogged" in row and " yes " in row
        code, out, err = command("replay", bureau, "--since", "2026-01-01")
        assert code == 0 and "1 event(s) replayed" in out, err  # the child registered before
    finally:
        assert command("offboard", bureau)[0] == 0
    assert not rabbit_admin_user_exists(rabbit_admin, "bureau-" + bureau)


def rabbit_admin_user_exists(rabbit_admin, user):
    from carekit.bureaus.broker import Api
    return Api(rabbit_admin.api, rabbit_admin.user, rabbit_admin.password).user_exists(user)


def test_the_registry_sends_copies_under_its_own_least_privilege_account(
        run_service, make_config, rpc, county_of, rabbit_admin, amqp_uri, monkeypatch):
    """As compose runs it: provisioned accounts, BROKER_TOPOLOGY=provisioned. The registry's
    account may publish to care.public only its own public events."""
    import secrets
    import uuid

    from kombu import Connection, Producer

    from carekit.events import topology
    from registry.service import RegistryService
    from registry.tests.helpers import ADMIN
    from tests.infra.test_rabbitmq_provision import provision
    api = county_of().api
    vhost = amqp_uri.rsplit("/", 1)[1]
    prefix, password = "t{}-care-".format(uuid.uuid4().hex[:8]), secrets.token_hex(16)
    users = provision.provision(api, vhost, ["registry"],
                                topology.subscriptions_in_modules(["registry.service"]),
                                {"registry": password}, secrets.token_hex(16),
                                user_prefix=prefix, log=lambda message: None)
    try:
        monkeypatch.setenv("SUBSCRIBER_MODULES", "registry.service")
        topology.main(["--amqp-uri", amqp_uri])
        account = "amqp://{}registry:{}@{}:{}/{}".format(prefix, password, rabbit_admin.host,
                                                        rabbit_admin.port, vhost)
        config = make_config("registry", AMQP_URI=account, BROKER_TOPOLOGY="provisioned",
                             SUBSCRIBER_MODULES="registry.service",
                             PUBLIC_DIRECTORY_SECONDS="0.2")
        run_service(RegistryService, config)
        bureaus = county_of()
        told = onboarding.onboard(bureaus, "minzheng", ["ChildRegistered", "VisitLogged"])
        with rpc(dict(config, AMQP_URI=amqp_uri), context_data={"user_id": ADMIN}) as proxy:
            c = proxy.registry.create_county({"code": "430124", "name": "宁乡县"})
            t = proxy.registry.create_township({"county_id": c["id"], "code": "01",
                                                "name": "花明楼镇"})
            s = proxy.registry.register_school({"township_id": t["id"], "code": "HML-01",
                                                "name": "花明楼镇中心小学"})
            k = proxy.registry.create_class({"school_id": s["id"], "grade": 3, "number": 2})
            proxy.registry.register_child(child_payload({"schools": [s], "classes": [k]}))
        with Connection(bureaus.uri(told)) as conn:
            message = wait_for(lambda: conn.channel().basic_get("public.minzheng", no_ack=True),
                               message="the copy sent under the registry's account")
        assert json.loads(message.body)["data"]["township_id"] == t["id"]

        def publish(key):
            with Connection(account, transport_options={"confirm_publish": True}) as conn:
                Producer(conn.channel()).publish({"forged": True}, exchange=PUBLIC_EXCHANGE,
                                                 routing_key=key, retry=False)
        assert refused(lambda: publish("minzheng.VisitLogged"))  # activities' event
        assert refused(lambda: publish("minzheng.MentorAssigned"))  # pairing's
        assert not refused(lambda: publish("nobody.ChildRegistered"))  # its own (unrouted)
        with Connection(account) as conn:
            assert refused(lambda: conn.channel().basic_get("public.minzheng"))
    finally:
        for user in users:
            api.delete("/users/" + user)
