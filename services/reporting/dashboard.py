"""The dashboard RPCs: a scope and a period in, figures out (validated by schemas.Period)."""
from datetime import date

from reporting import figures as fig
from reporting import tables
from reporting.scopes import check_reach, resolve
from reporting.terms import find_term


def period_of(db, scope, data):
    """{from, to, term, as_of} from a term of the scope's county calendar or a date range."""
    if data.get("term"):
        term = find_term(db, scope.county_id, data["term"])
        start, end = date.fromisoformat(term["starts_on"]), date.fromisoformat(term["ends_on"])
    else:
        start, end = data["date_from"], data["date_to"]
    as_of = data.get("as_of") or fig.as_of_for(end)
    return {"from": start.isoformat(), "to": end.isoformat(), "term": data.get("term"),
            "as_of": as_of.isoformat()}


def scope_and_period(db, data, caller):
    scope = resolve(db, data["scope"], data["scope_id"])
    check_reach(scope, caller)
    return scope, period_of(db, scope, data)


def figures(db, data, caller):
    scope, period = scope_and_period(db, data, caller)
    return fig.compute(db, scope, period)


def dashboard(db, data, caller):
    """The scope's figures and its breakdown one level down (table rows that add up)."""
    scope, period = scope_and_period(db, data, caller)
    answer = fig.compute(db, scope, period)
    answer["breakdown"] = tables.breakdown(db, scope, period)
    return answer
