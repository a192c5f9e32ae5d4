"""The shared hostile corpus (carekit.testing.hostile) against every reporting RPC, on a
service with a term already set: each variant refused with `validation_failed` naming the
field, no internal error text reaches the caller, nothing changed.

What it found first (78 findings): ids took any text (blanks, `$gt`, `a.b`, NUL, a
trailing newline) and a lone surrogate answered the raw UnicodeEncodeError; term names
with a trailing newline passed their `^...$` pattern; `text` and `by` took control
characters. Now carekit.rpc's Id and Text fields, each payload screened (validated)."""
from carekit.testing import hostile
from reporting.service import ReportingService

CONTEXT = {"user_id": "county.admin", "user_role": "county_admin", "scope_county_id": "c1"}
TERM = "2025-2026-1"


def samples():
    period = {"scope": "school", "scope_id": "s1", "term": TERM}
    one = {
        "set_term": {"county_id": "c1", "term": TERM, "starts_on": "2025-09-01",
                     "ends_on": "2026-01-20"},
        "delete_term": {"county_id": "c1", "term": TERM},
        "list_terms": {"county_id": "c1"},
        "term_on": {"county_id": "c1", "on": "2025-10-01"},
        "figures": period,
        "dashboard": dict(period, as_of="2025-10-01"),
        "set_paragraph": {"school_id": "s1", "term": TERM, "section": "aims",
                          "text": "一、工作目标\n关爱每一名留守儿童。", "by": "county.admin"},
        "paragraphs": {"school_id": "s1", "term": TERM},
        "request_report": dict(period, kind="summary", by="county.admin"),
        "report_status": {"report_id": "0123456789abcdef0123456789abcdef"},
        "download_report": {"report_id": "0123456789abcdef0123456789abcdef",
                            "format": "docx"},
    }
    dated = {"scope": "county", "scope_id": "c1", "date_from": "2025-09-01",
             "date_to": "2025-12-31"}
    calls = {method: [call] for method, call in one.items()}
    calls["figures"].append(dated)
    return calls


def test_every_reporting_rpc_has_a_sample():
    assert set(hostile.rpc_methods(ReportingService)) - set(hostile.KIT_RPCS) == \
        set(samples())


def test_the_shared_hostile_corpus_against_every_reporting_rpc(
        make_config, run_service, rpc, mongo_client):
    config = make_config("reporting", REPORT_TICK_SECONDS="3600")
    run_service(ReportingService, config)
    db = mongo_client[config["MONGO_DATABASE"]]
    with rpc(config, timeout=60, context_data=CONTEXT) as proxy:
        reporting = proxy.reporting
        reporting.set_term(samples()["set_term"][0])
        before = hostile.database_snapshot(db)
        findings = hostile.Attack(reporting, ReportingService, samples=samples(),
                                  skip=hostile.KIT_RPCS).run()
    assert findings == [], "\n".join(map(str, findings))
    assert hostile.database_snapshot(db) == before
