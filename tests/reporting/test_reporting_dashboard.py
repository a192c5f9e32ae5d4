"""The dashboard RPCs through the running service: events arrive over RabbitMQ (shuffled,
each twice), the answers equal the known ones, the breakdown adds up, bad arguments are
refused by field, and a caller only reaches its own scope."""
import random

import pytest
from nameko.exceptions import RemoteError

from carekit.errors import parse_remote_error
from tests.reporting.dataset import AS_OF, END, START, TERM, World, pick

COLUMNS_ALSO_IN_FIGURES = {"children": "children.total", "contacts": "contacts.total",
                           "diary_entries": "diary.entries", "activities": "activities.held",
                           "no_contact_30_days": "contacts.no_contact_30_days",
                           "aid_children": "aid.children", "aid_yuan": "aid.money_yuan",
                           "with_contact_card": "files.with_contact_card",
                           "children_reached": "contacts.children_reached"}


@pytest.fixture
def loaded(reporting):
    world = World(seed=5, children=30, records=150)
    service = reporting()
    envelopes = [service.publish(s, n, d, v) for s, n, v, d in
                 random.Random(1).sample(world.events, len(world.events))]
    for envelope in random.Random(2).sample(envelopes, len(envelopes) // 2):
        service.publish(envelope["source"].rsplit("/", 1)[-1],
                        envelope["type"].split(".")[-2], None,
                        envelope=envelope)
    service.wait_done(len(envelopes), timeout=120)
    service.rpc.set_term({"county_id": "c1", "term": TERM, "starts_on": START.isoformat(),
                          "ends_on": END.isoformat()})
    return world, service


def test_dashboard_answers_equal_the_data_and_add_up(loaded):
    world, service = loaded
    for scope, ident in (("county", "c1"), ("township", "t2"), ("school", "s1")):
        answer = service.rpc.dashboard({"scope": scope, "scope_id": ident, "term": TERM,
                                        "as_of": AS_OF.isoformat()})
        expected = world.expected(scope, ident)
        assert {p: pick(answer, p) for p in expected} == expected
        total = answer["breakdown"]["total"]
        for column, path in COLUMNS_ALSO_IN_FIGURES.items():
            assert total[column] == pick(answer, path), (scope, column)
            assert sum(r[column] for r in answer["breakdown"]["rows"]) == pytest.approx(
                total[column])
    by_dates = service.rpc.figures({"scope": "county", "scope_id": "c1",
                                    "date_from": START.isoformat(), "date_to": END.isoformat(),
                                    "as_of": AS_OF.isoformat()})
    by_term = service.rpc.figures({"scope": "county", "scope_id": "c1", "term": TERM,
                                   "as_of": AS_OF.isoformat()})
    assert by_dates["contacts"] == by_term["contacts"]


def _refused(call, payload, code="validation_failed"):
    with pytest.raises(RemoteError) as info:
        call(payload)
    error = parse_remote_error(info.value)
    assert error["code"] == code, error
    return error


def test_bad_arguments_are_refused_by_field(loaded):
    _, service = loaded
    ok = {"scope": "county", "scope_id": "c1"}
    cases = [
        (dict(ok), ("date_from", "period_required")),
        (dict(ok, term="2025-2026-1", date_from="2025-09-01"), ("term", "term_or_dates")),
        (dict(ok, date_from="2026-01-01", date_to="2025-09-01"), ("date_to", "ends_before_start")),
        (dict(ok, date_from="2020-01-01", date_to="2026-01-01"), ("date_to", "range_too_long")),
        (dict(ok, term="2025-26-1"), ("term", "bad_term")),
        (dict(ok, term="2030-2031-1"), ("term", "term_not_in_calendar")),
        (dict(ok, scope="province", term=TERM), ("scope", "not_allowed")),
        (dict(ok, scope_id="", term=TERM), ("scope_id", "bad_id")),
        (dict(ok, term=TERM, as_of="yesterday"), ("as_of", "not_date")),
        (dict(ok, term=TERM, limit=3), ("limit", "unknown_field")),
    ]
    for payload, (field, code) in cases:
        error = _refused(service.rpc.dashboard, payload)
        assert (field, code) in {(e["field"], e["code"]) for e in error["errors"]}, error
        assert all(e["message"] for e in error["errors"])
    _refused(service.rpc.figures, dict(ok, scope="school", scope_id="nope", term=TERM),
             code="not_found")


def test_a_caller_reaches_only_its_own_scope(loaded, rpc):
    _, service = loaded
    with rpc(service.config, context_data={"user_id": "x", "scope_school_id": "s1",
                                           "scope_county_id": "c1"}) as proxy:
        mine = proxy.reporting.figures({"scope": "school", "scope_id": "s1", "term": TERM})
        assert mine["scope"]["name"] == "花明楼镇中心小学"
        for scope, ident in (("school", "s2"), ("county", "c1"), ("class", "s2-31")):
            _refused(proxy.reporting.figures, {"scope": scope, "scope_id": ident, "term": TERM},
                     code="not_found")
