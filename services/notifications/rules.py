"""The reminder rules: small pure functions of projected state, the county's policy and the
clock. Each returns a Decision: the reminders due now and when to look at the subject again.

A reminder's `key` names one episode (this child, this kind, overdue since that day, this
escalation level): the same state gives the same key however often it is evaluated, so a
sweep repeated after a crash, or by another replica, decides nothing new. Days are China
days; a reminder due "on a day" goes out at the county's sweep time (07:30) of that day.
"""
from collections import namedtuple
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Optional

from notifications.clock import at_china, china_day
from notifications.policy import birthday_in, next_semester_start, semester_of

Recipient = namedtuple("Recipient", "type id")


@dataclass(frozen=True)
class Reminder:
    rule: str
    key: str
    recipients: tuple
    due_at: object            # aware datetime
    params: dict
    level: int = 0
    child_id: Optional[str] = None
    school_id: Optional[str] = None


@dataclass
class Decision:
    reminders: list = field(default_factory=list)
    recheck_at: object = None  # aware datetime, or None: nothing will fall due by itself

    def recheck(self, moment):
        if moment is not None and (self.recheck_at is None or moment < self.recheck_at):
            self.recheck_at = moment

    def merge(self, other):
        self.reminders.extend(other.reminders)
        self.recheck(other.recheck_at)
        return self


@dataclass
class ChildState:
    """What the child rules know about one child (loaded from the projections)."""
    child: dict                       # id, name, school_id, class_id, birth_date, status,
    #                                   registered_on, status_since, in_mentor_scope
    pairings: list = field(default_factory=list)   # pairing_id, kind, partner_id, partner_name,
    #                                   status, started_on, ended_on, reason, needs_repairing
    last_contacts: dict = field(default_factory=dict)   # kind -> aware datetime
    follow_ups: list = field(default_factory=list)      # action_id, owner, due_on, record_id
    flags: list = field(default_factory=list)           # item_id, at, by_id, kind
    head_teacher: Optional[Recipient] = None
    admins: tuple = ()
    county: Optional[Recipient] = None
    names: dict = field(default_factory=dict)           # school_name, class_name

    def active(self, kind):
        return [p for p in self.pairings if p["kind"] == kind and p["status"] == "active"]

    def mentors(self):
        return [Recipient("staff", p["partner_id"]) for p in self.active("mentor")]

    def heads_or_admins(self):
        return (self.head_teacher,) if self.head_teacher else self.admins_or_county()

    def admins_or_county(self):
        return tuple(self.admins) or ((self.county,) if self.county else ())


class Day:
    """A China day's reminder time in the county's schedule."""

    def __init__(self, now, policy):
        self.now = now
        self.today = china_day(now)
        self.sweep_at = policy["schedule"]["sweep_at"]

    def at(self, day):
        return at_china(day, self.sweep_at)

    def reached(self, day):
        return self.at(day) <= self.now


def _unique(recipients):
    seen = []
    for recipient in recipients:
        if recipient and recipient not in seen:
            seen.append(recipient)
    return tuple(seen)


def _child_reminder(state, rule, key, recipients, due_at, params, level=0):
    child = state.child
    base = {"child_name": child.get("name"), "class_name": state.names.get("class_name"),
            "school_name": state.names.get("school_name")}
    return Reminder(rule, key, _unique(recipients), due_at, dict(base, **params), level,
                    child["id"], child.get("school_id"))


# -- contact overdue, with escalation ---------------------------------------------------------------
def _due_day(cadence, last_day, started_on, today, schedule):
    """(day the contact falls due, or None; day to look again when it is None)."""
    if "every_days" in cadence:
        baseline = max(d for d in (last_day, started_on) if d)
        return baseline + timedelta(days=cadence["every_days"]), None
    semester = semester_of(today, schedule)
    by_day = cadence["per_semester_by_day"]
    if semester is None:
        return None, next_semester_start(today, schedule) + timedelta(days=by_day)
    start, end = semester
    due = max(start, started_on) + timedelta(days=by_day)
    if (last_day and last_day >= start) or due > end:
        return None, next_semester_start(end, schedule) + timedelta(days=by_day)
    return due, None


def contact_overdue(state, now, policy):
    decision, day = Decision(), Day(now, policy)
    rule = policy["contact_overdue"]
    if not rule["enabled"] or state.child.get("status") != "active":
        return decision
    step = timedelta(days=rule["escalate_after_days"])
    for pairing in state.active("mentor"):
        mentor = Recipient("staff", pairing["partner_id"])
        ladder = ((mentor,), state.heads_or_admins(), state.admins_or_county())
        for kind, cadence in sorted(rule["cadence"].items()):
            if not cadence:  # the county dropped this kind
                continue
            last = state.last_contacts.get(kind)
            last_day = china_day(last) if last else None
            due, look_again = _due_day(cadence, last_day, pairing["started_on"], day.today,
                                       policy["schedule"])
            if due is None:
                decision.recheck(day.at(look_again))
                continue
            for level, recipients in enumerate(ladder):
                when = due + level * step
                if not day.reached(when):
                    decision.recheck(day.at(when))
                    break
                decision.reminders.append(_child_reminder(
                    state, "contact_overdue",
                    "contact_overdue:{}:{}:{}:L{}".format(state.child["id"], kind, due, level),
                    recipients, day.at(when),
                    {"kind": kind, "last_date": last_day.isoformat() if last_day else None,
                     "due_date": due.isoformat(), "overdue_days": (day.today - due).days,
                     "mentor_name": pairing.get("partner_name")}, level))
    return decision


# -- birthdays ---------------------------------------------------------------------------------------
def birthday(state, now, policy):
    decision, day = Decision(), Day(now, policy)
    rule, born = policy["birthday"], state.child.get("birth_date")
    if not rule["enabled"] or state.child.get("status") != "active" or not born:
        return decision
    ahead = timedelta(days=rule["days_ahead"])
    coming = birthday_in(born, day.today.year)
    if coming < day.today:
        coming = birthday_in(born, day.today.year + 1)
    remind_on = coming - ahead
    if not day.reached(remind_on):
        decision.recheck(day.at(remind_on))
        return decision
    recipients = ((state.head_teacher,) if state.head_teacher else ()) + tuple(state.mentors())
    decision.reminders.append(_child_reminder(
        state, "birthday", "birthday:{}:{}".format(state.child["id"], coming),
        recipients or state.admins_or_county(), day.at(remind_on),
        {"birthday": coming.isoformat(), "age": coming.year - born.year,
         "days_left": (coming - day.today).days}))
    decision.recheck(day.at(birthday_in(born, coming.year + 1) - ahead))
    return decision


# -- no mentor ----------------------------------------------------------------------------------------
def unpaired(state, now, policy):
    decision, day = Decision(), Day(now, policy)
    rule, child = policy["unpaired"], state.child
    if (not rule["enabled"] or child.get("status") != "active"
            or not child.get("in_mentor_scope", True) or state.active("mentor")):
        return decision
    ends = [p["ended_on"] for p in state.pairings if p["kind"] == "mentor" and p.get("ended_on")]
    baseline = max([d for d in [child.get("registered_on"), child.get("status_since")] + ends
                    if d], default=None)
    if baseline is None:
        return decision
    first = baseline + timedelta(days=rule["after_days"])
    ladder = (state.admins_or_county(), (state.county,) if state.county else ())
    for level, recipients in enumerate(ladder):
        when = first + timedelta(days=level * rule["escalate_after_days"])
        if not day.reached(when):
            decision.recheck(day.at(when))
            break
        decision.reminders.append(_child_reminder(
            state, "unpaired", "unpaired:{}:{}:L{}".format(child["id"], baseline, level),
            recipients, day.at(when),
            {"since": baseline.isoformat(), "days": (day.today - baseline).days}, level))
    return decision


# -- a pairing ended by a registry change ------------------------------------------------------------
def pairing_ended(state, now, policy):
    decision, day = Decision(), Day(now, policy)
    rule = policy["pairing_ended"]
    if not rule["enabled"]:
        return decision
    horizon = day.today - timedelta(days=rule["within_days"])
    for pairing in state.pairings:
        ended_on = pairing.get("ended_on")
        if (pairing["status"] != "ended" or not pairing.get("needs_repairing")
                or not ended_on or ended_on < horizon):
            continue
        if any(p["started_on"] >= ended_on for p in state.active(pairing["kind"])):
            continue  # re-paired already
        decision.reminders.append(_child_reminder(
            state, "pairing_ended", "pairing_ended:{}".format(pairing["pairing_id"]),
            state.admins_or_county(), min(day.at(ended_on), now),
            {"pairing_kind": pairing["kind"], "partner_name": pairing.get("partner_name"),
             "reason": pairing.get("reason"), "ended_on": ended_on.isoformat()}))
    return decision


# -- follow-ups promised in care records --------------------------------------------------------------
def follow_up_due(state, now, policy):
    decision, day = Decision(), Day(now, policy)
    if not policy["follow_up_due"]["enabled"]:
        return decision
    for item in state.follow_ups:
        if item.get("owner") is None:
            continue
        if not day.reached(item["due_on"]):
            decision.recheck(day.at(item["due_on"]))
            continue
        decision.reminders.append(_child_reminder(
            state, "follow_up_due", "follow_up_due:{}:{}".format(item["action_id"],
                                                                 item["due_on"]),
            (item["owner"],), day.at(item["due_on"]),
            {"due_date": item["due_on"].isoformat(), "record_id": item["record_id"]}))
    return decision


# -- records written by someone not paired with the child ---------------------------------------------
def flagged_record(state, now, policy):
    decision = Decision()
    rule = policy["flagged_record"]
    if not rule["enabled"]:
        return decision
    horizon = now - timedelta(days=rule["within_days"])
    for flag in state.flags:
        if flag["at"] < horizon:
            continue
        decision.reminders.append(_child_reminder(
            state, "flagged_record", "flagged_record:{}".format(flag["item_id"]),
            state.heads_or_admins(), min(flag["at"], now),
            {"record_kind": flag.get("kind"), "by_name": flag.get("by_name"),
             "record_date": china_day(flag["at"]).isoformat()}))
    return decision


CHILD_RULES = (contact_overdue, birthday, unpaired, pairing_ended, follow_up_due, flagged_record)


def evaluate_child(state, now, policy):
    decision = Decision()
    for rule in CHILD_RULES:
        decision.merge(rule(state, now, policy))
    return decision


# -- group activities: attendance not taken ---------------------------------------------------------
def attendance_missing(activity, now, policy):
    """`activity`: id, state (scheduled/held/cancelled), starts_at, ends_at, organiser
    (Recipient), title, kind, school_id."""
    decision = Decision()
    rule = policy["attendance_missing"]
    if not rule["enabled"] or activity["state"] != "scheduled" or not activity.get("organiser"):
        return decision
    due = (activity.get("ends_at") or activity["starts_at"]) + timedelta(
        hours=rule["after_hours"])
    if due > now:
        decision.recheck(due)
        return decision
    held_on = china_day(activity["starts_at"])
    decision.reminders.append(Reminder(
        "attendance_missing", "attendance_missing:{}:{}".format(activity["id"], held_on),
        (activity["organiser"],), due,
        {"title": activity.get("title"), "activity_kind": activity.get("kind"),
         "held_on": held_on.isoformat()}, 0, None, activity.get("school_id")))
    return decision


# -- today's duty (轮流值日) -----------------------------------------------------------------------------
def duty_today(rota, now, policy):
    """`rota`: school_id, slots [{weekday 1-7, period, place, staff_ids}], effective_from,
    swaps [{duty_date, period, staff_id, substitute_id}] (代班: the substitute is reminded)."""
    decision, day = Decision(), Day(now, policy)
    if not policy["duty_today"]["enabled"]:
        return decision
    today = day.today
    if day.reached(today) and today >= rota.get("effective_from", today):
        for slot in rota["slots"]:
            if slot["weekday"] != today.isoweekday():
                continue
            instead = {s["staff_id"]: s["substitute_id"] for s in rota.get("swaps", ())
                       if s["duty_date"] == today and s["period"] == slot["period"]}
            on_duty = dict.fromkeys(instead.get(s, s) for s in slot["staff_ids"])
            decision.reminders.append(Reminder(
                "duty_today", "duty_today:{}:{}:{}".format(rota["school_id"], today,
                                                           slot["period"]),
                tuple(Recipient("staff", s) for s in on_duty), day.at(today),
                {"period": slot["period"], "place": slot.get("place"),
                 "duty_date": today.isoformat()}, 0, None, rota["school_id"]))
        decision.recheck(day.at(today + timedelta(days=1)))
    else:
        decision.recheck(day.at(today))
    return decision


# -- the monthly message to migrant parents ---------------------------------------------------------
def parent_summary_month(now, policy):
    """(first day of the month summarised, send instant) for the latest send instant at or
    before `now`, and the next send instant."""
    rule = policy["parent_summary"]
    today = china_day(now)

    def send_at(year, month):
        return at_china(date(year, month, min(rule["day_of_month"], 28)), rule["at"])

    this = send_at(today.year, today.month)
    prev_year, prev_month = (today.year, today.month - 1) if today.month > 1 else (
        today.year - 1, 12)
    next_year, next_month = (today.year, today.month + 1) if today.month < 12 else (
        today.year + 1, 1)
    if this <= now:
        return date(prev_year, prev_month, 1), this, send_at(next_year, next_month)
    before_year, before_month = (prev_year, prev_month - 1) if prev_month > 1 else (
        prev_year - 1, 12)
    return date(before_year, before_month, 1), send_at(prev_year, prev_month), this


def parent_summary(subscription, counts, month, sent_at, next_at, policy):
    """`subscription`: child_id, relations, child_name, school_id; `counts`: kind -> number
    and `last` (date or None) for `month`."""
    decision = Decision()
    decision.recheck(next_at)
    if not policy["parent_summary"]["enabled"] or not subscription.get("relations"):
        return decision
    total = sum(n for kind, n in counts.items() if kind != "last")
    decision.reminders.append(Reminder(
        "parent_summary", "parent_summary:{}:{}".format(subscription["child_id"],
                                                        month.strftime("%Y-%m")),
        tuple(Recipient("parent", "{}.{}".format(subscription["child_id"], relation))
              for relation in sorted(subscription["relations"])), sent_at,
        {"child_name": subscription.get("child_name"), "month": month.month,
         "year": month.year, "total": total,
         "by_kind": {k: n for k, n in sorted(counts.items()) if k != "last" and n},
         "last_date": counts["last"].isoformat() if counts.get("last") else None},
        0, subscription["child_id"], subscription.get("school_id")))
    return decision
