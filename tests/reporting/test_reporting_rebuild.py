"""Rebuild: drop the read models, replay the publishers' event logs with the kit's rebuild
command, and every figure equals the live one exactly."""
from carekit.events.rebuild import rebuild, wait_until_handled
from carekit.testing.plugin import wait_for
from reporting import figures, tables
from reporting.scopes import resolve
from reporting.service import ReportingService
from tests.reporting.dataset import World, pick
from tests.reporting.publishers import emit_world, start_publishers
from tests.reporting.test_reporting_figures import PERIOD, SCOPES

READ_MODELS = ("children", "child_moves", "cards", "pairings", "priority", "policies",
               "care_records", "aid", "diary", "activities", "awards", "assessments",
               "reminders", "schools", "classes", "townships", "counties", "staff")


def snapshot(db):
    out = {}
    for kind, ident in SCOPES:
        scope = resolve(db, kind, ident)
        out[(kind, ident)] = (figures.compute(db, scope, PERIOD),
                              tables.breakdown(db, scope, PERIOD))
    return out


def read_models(db):
    """Which documents each read model holds. (Their fields may differ where the order of
    arrival differed: a withdrawal that came before its grant keeps only what it said; the
    figures, compared in full, are what must be equal.)"""
    return {name: sorted(d["_id"] for d in db[name].find({}, {"_id": 1}))
            for name in READ_MODELS}


def test_rebuilt_read_models_equal_the_live_ones(reporting, make_config, run_service, rpc):
    world = World(seed=11, children=30, records=150)
    service = reporting()
    configs = start_publishers(make_config, run_service)
    with rpc(configs["registry"]) as proxy:
        ids = emit_world(proxy, world.events)
    wait_for(lambda: service.db.processed_events.count_documents({"status": "done"})
             >= len(ids), timeout=120, message="live events handled")
    live, live_models = snapshot(service.db), read_models(service.db)
    expected = world.expected("county", "c1")
    got = live[("county", "c1")][0]
    assert {p: pick(got, p) for p in expected} == expected

    with rpc(configs["registry"]) as proxy:
        replayed = rebuild(ReportingService, service.db, proxy, grace=0.2, say=lambda _: None)
    assert sum(replayed.values()) == len(ids)
    assert wait_until_handled(service.db, replayed, timeout=180) == {}
    assert read_models(service.db) == live_models
    assert snapshot(service.db) == live
