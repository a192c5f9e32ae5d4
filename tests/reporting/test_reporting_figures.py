"""Every figure equals the number computed directly from a generated county (dataset.py);
events delivered in any order, each of them several times, give the same figures."""
import random
import uuid

import pytest

from reporting import figures
from reporting.scopes import resolve
from tests.reporting.conftest import apply
from tests.reporting.dataset import AS_OF, END, START, TERM, pick

PERIOD = {"from": START.isoformat(), "to": END.isoformat(), "term": TERM,
          "as_of": AS_OF.isoformat()}
SCOPES = [("county", "c1"), ("township", "t1"), ("township", "t2"), ("school", "s2"),
          ("class", "s3-51")]


@pytest.fixture
def database(mongo_client):
    name = "t{}_reporting_figures".format(uuid.uuid4().hex[:8])
    mongo_client.test_databases.append(name)
    return mongo_client[name]


def feed(db, events, order):
    for index in order:
        event_id, (source, name, version, data) = events[index]
        apply(db, event_id, source, name, version, data)


def check(db, world):
    mismatches = []
    for kind, ident in SCOPES:
        got = figures.compute(db, resolve(db, kind, ident), PERIOD)
        for path, value in world.expected(kind, ident).items():
            if pick(got, path) != value:
                mismatches.append((kind, ident, path, pick(got, path), value))
    assert not mismatches, mismatches[:10]
    return got


def test_figures_equal_what_the_data_says_in_publishing_order(database, world):
    events = [("e{}".format(n), e) for n, e in enumerate(world.events)]
    feed(database, events, range(len(events)))
    check(database, world)


def test_shuffled_and_duplicated_deliveries_change_nothing(database, world):
    events = [("e{}".format(n), e) for n, e in enumerate(world.events)]
    rng = random.Random(3)
    order = list(range(len(events))) * 2 + rng.sample(range(len(events)), len(events) // 3)
    rng.shuffle(order)
    feed(database, events, order)
    check(database, world)


def test_the_dataset_is_not_trivial(world):
    """The known answers exercise what they claim to (else a test above proves little)."""
    county = world.expected("county", "c1")
    assert county["movement.joined"] > 0 and county["movement.left"] > 0
    assert county["contacts.no_contact_30_days"] > 0 and county["aid.records"] > 0
    assert 0 < county["pairing.mentored_eligible"] < county["pairing.mentor_eligible"]
    assert county["assessment.grades_improved"] > 0
    assert county["duty.sessions"] > 0 and county["aid.supplies_children"] > 0
    assert county["activities.radio_episodes"] > 0
    assert county["assessment.dimensions"]["manners"]["improved"] > 0
    assert any(w.get("revoked") and START <= w["on"] <= END for w in world.awards.values())
