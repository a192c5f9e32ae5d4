"""Every role × every route, over HTTP against the running system.

EXPECTED below is the specification, written here independently of the code: which roles
may use each route. Every route of the gateway's table must appear in it (a new route
without an entry fails), and each request must end as the table says: 401 without a login,
403 for a role not listed, and for a listed role neither 401/403 nor a 404 (the object
named is within that role's reach), nor a 5xx. Bodies are `{}` so nothing is changed: a
listed role gets past the rule and stops at validation (422) or a harmless answer.
"""
import pytest

from gateway.api import ALL_ROUTES, PENDING, ROUTES
from gateway.authorisation import Rule
from tests.gateway.support import LOGINS, ROLES, china_today, now_iso

C, AN, TW, S, H, T, V = ROLES
ALL = set(ROLES)
ADMINS = {C, TW, S}
TEACHERS = {H, T}
CARERS = ADMINS | TEACHERS | {V}
AUTHORS = TEACHERS | {V, S}
PUBLIC = "public"

EXPECTED = {
    "health": PUBLIC, "metrics": PUBLIC, "openapi": PUBLIC, "asyncapi": PUBLIC, "docs": PUBLIC,
    "docs_asset": PUBLIC, "login": PUBLIC,
    "logout": ALL, "whoami": ALL, "change_password": ALL, "list_tokens": ALL,
    "create_token": ALL, "revoke_token": ALL,
    "list_accounts": ADMINS, "create_account": ADMINS, "get_account": ADMINS,
    "change_account": ADMINS, "reset_password": ADMINS, "unlock_account": ADMINS,
    "query_audit": {C}, "export_audit": {C},
    "list_counties": ALL, "list_townships": ALL, "create_township": {C},
    "list_schools": ALL, "register_school": {C}, "get_school": ALL, "update_school": {C},
    "list_classes": ALL, "create_class": ADMINS, "update_class": ADMINS,
    "list_children": CARERS, "my_children": TEACHERS | {V}, "register_child": ADMINS,
    "get_child": CARERS, "update_child": ADMINS | {H}, "change_child_status": ADMINS,
    "transfer_child": ADMINS, "child_history": ADMINS, "contact_card": ADMINS | TEACHERS,
    "class_contact_cards": ADMINS | {H}, "transferred_out": ADMINS,
    "basic_info_form": ADMINS | TEACHERS, "class_basic_info_forms": ADMINS | {H},
    "buddy_cards": ADMINS | {H},
    "list_staff": ADMINS | TEACHERS, "register_staff": ADMINS, "get_staff": ADMINS | TEACHERS,
    "update_staff": ADMINS, "staff_left": ADMINS, "list_volunteers": ADMINS | TEACHERS,
    "register_volunteer": ADMINS, "get_volunteer": ADMINS | {V}, "volunteer_left": ADMINS,
    "roster_template": ADMINS, "import_roster": ADMINS,
    "get_policy": ALL, "set_policy": {C}, "recommend_priority": ADMINS | {H},
    "school_pairings": ADMINS, "child_pairings": CARERS, "unpaired_children": ADMINS,
    "teacher_load": ADMINS, "over_capacity": ADMINS, "coverage": ADMINS | {AN},
    "assign_mentor": ADMINS, "pair_buddy": ADMINS | {H}, "assign_proxy_parent": ADMINS,
    "release_pairing": ADMINS, "propose_plan": ADMINS, "get_plan": ADMINS,
    "apply_plan": ADMINS, "discard_plan": ADMINS,
    "log_care_record": AUTHORS, "get_care_record": CARERS, "revise_care_record": AUTHORS,
    "delete_care_record": AUTHORS, "complete_follow_up": AUTHORS,
    "add_diary_entry": AUTHORS, "get_diary_entry": CARERS, "revise_diary_entry": AUTHORS,
    "delete_diary_entry": AUTHORS, "timeline": CARERS,
    "last_contacts": ADMINS | TEACHERS, "flagged_records": ADMINS,
    "activity_calendar": CARERS, "schedule_activity": ADMINS | TEACHERS,
    "get_activity": CARERS, "reschedule_activity": ADMINS | TEACHERS,
    "cancel_activity": ADMINS | TEACHERS, "record_attendance": ADMINS | TEACHERS,
    "get_duty_rota": CARERS, "set_duty_rota": ADMINS, "on_duty": ADMINS | TEACHERS | {V},
    "swap_duty": ADMINS, "record_duty_session": ADMINS | TEACHERS, "duty_sessions": CARERS,
    "set_radio_programme": ADMINS, "radio_programmes": CARERS,
    "record_radio_episode": ADMINS | TEACHERS, "radio_episodes": CARERS,
    "distribute_supplies": ADMINS | TEACHERS, "dimension_progress": ADMINS,
    "child_awards": CARERS, "grant_child_award": ADMINS | TEACHERS,
    "staff_awards": ADMINS | TEACHERS, "grant_staff_award": ADMINS, "school_awards": ADMINS,
    "assessments": CARERS, "record_assessment": ADMINS | TEACHERS,
    "my_inbox": ALL, "mark_read": ALL, "mark_all_read": ALL,
    "list_bureaus": {C}, "parked_bureau_deliveries": {C}, "requeue_bureau_deliveries": {C},
    # reports: counts only, so the analyst too
    "school_statistics": ADMINS | {AN}, "class_statistics": ADMINS | {AN, H},
    "county_dashboard": ADMINS | {AN}, "township_dashboard": {C, AN, TW},
    "request_report": ADMINS | {AN}, "get_report": ADMINS | {AN},
    "download_report": ADMINS | {AN}, "list_terms": ALL, "set_term": {C},
    "school_paragraphs": ADMINS, "set_school_paragraph": ADMINS,
}
# routes given a made-up id on purpose (using a real one would change the county): their
# 404 comes from the service after the rule let the caller through
MADE_UP = {"release_pairing", "revoke_token", "complete_follow_up", "get_report"}


def test_every_route_has_a_rule_and_an_expectation():
    for route in ALL_ROUTES:
        assert isinstance(route.rule, Rule), route.name
        assert route.rule.public or route.rule.roles, "{} has no rule".format(route.name)
    assert sorted(EXPECTED) == sorted(r.name for r in ALL_ROUTES), \
        "routes and the expected table differ"
    for route in ALL_ROUTES:
        declared = PUBLIC if route.rule.public else set(route.rule.roles)
        assert declared == EXPECTED[route.name], route.name
    assert not PENDING, "every route is served"


@pytest.fixture(scope="module")
def targets(world):
    """Ids that are within reach of every role allowed on the route naming them."""
    r, ids = world.rpc, world.ids
    now, today = now_iso(), china_today()
    spare_staff = r.registry.register_staff({"school_id": ids["A"], "name": "孙老师",
                                             "roles": ["teacher"]})["id"]
    spare_volunteer = r.registry.register_volunteer({"school_id": ids["A"], "name": "村干部",
                                                     "kind": "village_committee_member"})["id"]
    world.account("spare.teacher", "teacher", township_id=ids["t1"], school_id=ids["A"],
                  person_type="staff", person_id=spare_staff)
    world.wait_activities_know(ids["a1"])
    record = r.activities.log_care_record({"child_id": ids["a1"], "by_id": ids["T"],
                                           "kind": "talk", "occurred_at": now})["id"]
    entry = r.activities.add_diary_entry({"child_id": ids["a1"], "by_id": ids["T"],
                                          "entry_date": today, "mood": "开朗了一些"})["id"]
    activity = r.activities.schedule_activity({
        "school_id": ids["A"], "kind": "theme_meeting", "title": "关爱留守孩子主题队会",
        "sub_theme": "学会自理", "organiser_id": ids["H"], "starts_at": now,
        "class_ids": [ids["A1"]],
        "scheduled_by": "test"})["id"]
    r.activities.set_duty_rota({"school_id": ids["A"], "set_by": "test",
                                "effective_from": today, "slots": [
                                    {"weekday": 1, "period": "noon", "staff_ids": [ids["H"]]}]})
    plan = r.pairing.propose_plan({"school_id": ids["A"]})["plan_id"]
    r.pairing.discard_plan({"plan_id": plan})
    common = {"school_id": ids["A"], "class_id": ids["A1"], "child_id": ids["a1"],
              "record_id": record, "entry_id": entry, "activity_id": activity,
              "plan_id": plan, "pairing_id": "0" * 32, "action_id": "0" * 16,
              "token_id": "0" * 16, "username": "spare.teacher", "asset": "swagger-ui.css",
              "notification_id": "0" * 16, "report_id": "0" * 16, "bureau": "minzheng",
              "township_id": ids["t1"], "term": "2025-2026-1", "section": "aims"}
    own = {H: {"staff_id": ids["H"]}, T: {"staff_id": ids["T"]}, V: {"volunteer_id": ids["V"]}}

    def for_role(role):
        values = dict(common, staff_id=spare_staff, volunteer_id=spare_volunteer)
        values.update(own.get(role, {}))
        return values
    return for_role


@pytest.fixture(scope="module")
def callers(world):
    """A program token per role (so `DELETE /api/session` does not end the caller)."""
    out = {}
    for role in ROLES:
        client = world.client(LOGINS[role])
        response = client.post("/api/tokens", json={"name": "roles test", "days": 1})
        assert response.status_code == 201, response.text
        program = world.client()
        program.token = response.json()["token"]
        out[role] = program
    return out


def _path(route, values):
    import re
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: values[m.group(1)], route.path)


def _call(client, route, values):
    kwargs = {} if route.method in ("GET", "HEAD") else {"json": {}}
    return client.request(route.method, _path(route, values), **kwargs)


@pytest.mark.parametrize("role", ROLES)
def test_role_against_every_route(world, targets, callers, role):
    problems = []
    for route in ROUTES:
        response = _call(callers[role], route, targets(role))
        status = response.status_code
        if EXPECTED[route.name] == PUBLIC or role in EXPECTED[route.name]:
            bad = status in (401, 403) or status >= 500 or (
                status == 404 and route.name not in MADE_UP)
        else:
            bad = status != 403
        if bad:
            problems.append("{} {} {} -> {} {}".format(role, route.method, route.name, status,
                                                      response.text[:160]))
        if status != 204 and route.name not in ("metrics", "docs", "docs_asset"):
            assert response.headers.get("Content-Type", "").startswith(
                ("application/json", "application/pdf", "application/vnd", "text/csv")), \
                (route.name, response.headers.get("Content-Type"))
    assert not problems, "\n".join(problems)


def test_anonymous_callers_get_401_on_every_non_public_route(world, targets):
    anonymous = world.client()
    problems = []
    for route in ROUTES:
        response = _call(anonymous, route, targets(C))
        public = EXPECTED[route.name] == PUBLIC
        if (not public and response.status_code != 401) or (
                public and response.status_code in (401, 403)):
            problems.append("{} -> {}".format(route.name, response.status_code))
        if not public:
            assert response.json()["code"] == "unauthenticated"
    assert not problems, "\n".join(problems)
