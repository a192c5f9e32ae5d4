"""Every argument of every pairing RPC, attacked (issue 9 §5): operator objects and
`$`-keys where an id belongs, wrong types, huge strings, deep nesting, text that is not
valid UTF-8 (lone surrogates), control characters, payloads that are not objects. Each
call is refused with `validation_failed` naming the field, and nothing changes."""
import pytest
from nameko.exceptions import RemoteError
from nameko.rpc import Rpc

from carekit.errors import parse_remote_error
from carekit.events.records import EVENT_LOG, OUTBOX_FIELDS
from carekit.testing.plugin import wait_for
from pairing.service import PairingService
from pairing.storage import PAIRINGS, PLACES, PLANS, POLICIES, RECOMMENDATIONS
from tests.pairing import factory
from tests.pairing.conftest import World


def nested(depth):
    value = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


# Values no id may be. (A text field also refuses all but "$gt" and "a.b", which are text.)
NOT_AN_ID = [{"$gt": ""}, {"$ne": None}, {"$where": "sleep(1000)"}, ["k1"], [], 7, 3.5, True,
             "", "   ", "$gt", "a.b", "k1\x00", "k\udcff", "x" * 100_000, nested(200),
             {"k1": 1}, "k1\n"]
NOT_TEXT = [v for v in NOT_AN_ID if v not in ("$gt", "a.b", "", "   ", "k1\n")]
NOT_A_NUMBER = [{"$gt": 0}, ["3"], "3; drop", "x" * 100_000, nested(50), True, 3.5]
NOT_A_LIST = [{"$in": ["k1"]}, "k1", 7, nested(50), [{"$gt": ""}], ["k1", {"$ne": None}],
              ["x" * 100_000], [nested(100)]]
NOT_A_PAYLOAD = [None, [], ["school_id", "s1"], "s1", 7, nested(100)]

ID, TEXT, NUMBER, LIST = "id", "text", "number", "list"
HOSTILE = {ID: NOT_AN_ID, TEXT: NOT_TEXT, NUMBER: NOT_A_NUMBER, LIST: NOT_A_LIST}

# rpc -> (a valid payload that would change or read something, {field: kind})
CALLS = {
    "get_policy": ({"county_id": factory.COUNTY}, {"county_id": ID}),
    "set_policy": ({"county_id": factory.COUNTY, "max_mentees": 4, "by": "bureau"},
                   {"county_id": ID, "max_mentees": NUMBER, "by": TEXT,
                    "expected_version": NUMBER, "mentor_scope": TEXT}),
    "recommend_priority": ({"class_id": "c1", "child_ids": ["k-s1-0", "k-s1-1", "k-s1-2",
                                                           "k-s1-3"]},
                           {"class_id": ID, "child_ids": LIST, "by": TEXT}),
    "withdraw_priority": ({"class_id": "c1", "child_ids": ["k-s1-0"]},
                          {"class_id": ID, "child_ids": LIST, "reason": TEXT}),
    "recommended_children": ({"class_id": "c1"}, {"class_id": ID, "cursor": TEXT,
                                                  "limit": NUMBER}),
    "assign_mentor": ({"child_id": "k-s1-1", "teacher_id": "t-s1-1", "note": "好"},
                      {"child_id": ID, "teacher_id": ID, "note": TEXT, "started_on": TEXT,
                       "by": TEXT}),
    "release_mentor": ({"pairing_id": "MENTOR"}, {"pairing_id": ID, "note": TEXT,
                                                  "reason": TEXT, "ended_on": TEXT}),
    "pair_buddy": ({"child_id": "k-s1-1", "buddy_child_id": "k-s1-2"},
                   {"child_id": ID, "buddy_child_id": ID, "buddy_class_id": ID}),
    "unpair_buddy": ({"pairing_id": "BUDDY"}, {"pairing_id": ID, "note": TEXT}),
    "assign_proxy_parent": ({"child_id": "k-s1-1", "volunteer_id": "v1"},
                            {"child_id": ID, "volunteer_id": ID, "note": TEXT}),
    "release_proxy_parent": ({"pairing_id": "PROXY"}, {"pairing_id": ID, "note": TEXT}),
    "propose_plan": ({"school_id": "s1"}, {"school_id": ID, "by": TEXT}),
    "get_plan": ({"plan_id": "PLAN"}, {"plan_id": ID}),
    "apply_plan": ({"plan_id": "PLAN"}, {"plan_id": ID, "by": TEXT}),
    "discard_plan": ({"plan_id": "PLAN"}, {"plan_id": ID, "by": TEXT}),
    "pairings": ({"school_id": "s1"}, {"school_id": ID, "child_id": ID, "teacher_id": ID,
                                       "volunteer_id": ID, "class_id": ID, "cursor": TEXT,
                                       "limit": NUMBER, "kind": TEXT}),
    "unpaired_children": ({"school_id": "s1"}, {"school_id": ID, "class_id": ID,
                                                "cursor": TEXT, "limit": NUMBER}),
    "teacher_load": ({"school_id": "s1"}, {"school_id": ID, "cursor": TEXT, "limit": NUMBER}),
    "over_capacity": ({"school_id": "s1"}, {"school_id": ID, "cursor": TEXT}),
    "coverage": ({"school_id": "s1"}, {"school_id": ID}),
}
# fields that take text but only from a closed list: every hostile text is refused too
CLOSED = {"mentor_scope", "reason", "kind", "started_on", "ended_on"}


def snapshot(db):
    """The state RPCs may change (what the relay does with carried events aside)."""
    hide = {field: 0 for field in OUTBOX_FIELDS}
    return {c: sorted(db[c].find({}, hide), key=lambda d: str(d["_id"]))
            for c in (PAIRINGS, PLACES, PLANS, POLICIES, RECOMMENDATIONS)}


def refused(proxy, method, payload):
    try:
        getattr(proxy.pairing, method)(payload)
    except RemoteError as exc:
        body = parse_remote_error(exc)
        return body if body is not None else {"code": "not_a_care_error: " + exc.exc_type}
    return None


@pytest.fixture
def seeded(service_db):
    world = World(service_db)
    teachers, kids = world.school(teachers=2, children=6)
    world.feed("VolunteerRegistered", factory.volunteer("v1"))
    ids = {"MENTOR": world.desk.assign_mentor({"child_id": kids[0], "teacher_id": teachers[0],
                                               "replace": False})["pairing_id"],
           "BUDDY": world.desk.pair_buddy({"child_id": kids[0], "buddy_child_id": kids[1]})[
               "pairing_id"],
           "PROXY": world.desk.assign_proxy_parent({"child_id": kids[0], "volunteer_id": "v1",
                                                    "replace": False})["pairing_id"]}
    world.policy(mentor_scope="all")
    ids["PLAN"] = world.planning.propose("s1")["plan_id"]
    return ids


def test_every_rpc_is_covered():
    # health and replay_events come from the kit (CareService) and are tested there
    methods = {name for name, value in vars(PairingService).items()
               if any(isinstance(e, Rpc) for e in getattr(value, "nameko_entrypoints", ()))}
    assert methods - {"health"} == set(CALLS)


def test_hostile_arguments_are_refused_and_change_nothing(run_service, rpc, service_config,
                                                          service_db, seeded):
    run_service(PairingService, service_config)
    wait_for(lambda: service_db[EVENT_LOG].count_documents({}) == 4, message="seed relayed")
    before = snapshot(service_db)
    wrong = []
    with rpc(service_config) as proxy:
        for method, (base, fields) in CALLS.items():
            base = {k: seeded.get(v, v) if isinstance(v, str) else v for k, v in base.items()}
            attempts = [(None, payload) for payload in NOT_A_PAYLOAD]
            attempts.append(("$where", dict(base, **{"$where": "1"})))
            for field, kind in fields.items():
                values = NOT_AN_ID if field in CLOSED else HOSTILE[kind]
                attempts += [(field, dict(base, **{field: value})) for value in values]
            for field, payload in attempts:
                answer = refused(proxy, method, payload)
                named = field is None or any(
                    e["field"] == field or e["field"].startswith(field + ".")
                    for e in (answer or {}).get("errors", []))
                if not answer or answer["code"] != "validation_failed" or not named:
                    wrong.append((method, field, repr(payload)[:80], answer))
    assert wrong == [], "\n".join(map(str, wrong))
    assert snapshot(service_db) == before
    assert service_db[EVENT_LOG].count_documents({}) == 4  # no event recorded since


def test_the_shared_hostile_corpus_on_seeded_data(run_service, rpc, service_config, service_db,
                                                  seeded):
    """The security engineer's corpus and driver (carekit.testing.hostile), fed valid sample
    calls on real data, so every field of every payload is attacked where it would matter."""
    hostile = pytest.importorskip("carekit.testing.hostile")
    run_service(PairingService, service_config)
    wait_for(lambda: service_db[EVENT_LOG].count_documents({}) == 4, message="seed relayed")
    samples = {method: [{k: seeded.get(v, v) if isinstance(v, str) else v
                         for k, v in base.items()}] for method, (base, _) in CALLS.items()}
    before = hostile.database_snapshot(service_db)
    with rpc(service_config, context_data={"user_id": "attacker"}, timeout=30) as proxy:
        findings = hostile.Attack(proxy.pairing, PairingService, samples=samples,
                                  skip=hostile.KIT_RPCS).run()  # the kit's own
    assert findings == [], "\n".join(map(str, findings))
    assert hostile.database_snapshot(service_db) == before
