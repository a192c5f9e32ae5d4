"""The sweep: decide every reminder that has fallen due, from the projections, in batches.

Only subjects whose stored next-due instant has come are read (the agenda), and for each
batch the state of its children is loaded in a fixed number of queries (children with their
last contact per kind, pairings, open follow-ups, classes, schools, staff, county rules):
the cost grows with the children due, never with the care records behind them. Each batch is
leased, so replicas sweeping at once share the work; a reminder's dedup key as the
notification's _id makes a batch swept twice (a replica died mid-batch) decide nothing new.
"""
from collections import defaultdict
from datetime import date

from pymongo import UpdateMany

from carekit import lease
from notifications import policy as policies
from notifications import rules
from notifications import storage as st
from notifications.clock import at_china, china_day, from_epoch
from notifications.rules import ChildState, Decision, Recipient

BATCH = 500
DEFAULT_MENTOR_SCOPE = "recommended"  # pairing's default policy (pairing/policy.py)
LEASE_SECONDS = 300


def run(db, now, max_batches=100, batch=BATCH):
    """Sweep what is due at `now`; returns counts {subjects, reminders, notifications}."""
    stats = defaultdict(int)
    for _ in range(max_batches):
        owner, items = lease.claim(db[st.AGENDA], {"next_due_at": {"$lte": now.timestamp()}},
                                   batch, LEASE_SECONDS, mark={"dirty": False})
        if not items:
            break
        decisions = evaluate(db, items, now)
        created = write_notifications(db, decisions, now)
        _release(db, owner, decisions)
        stats["subjects"] += len(items)
        stats["reminders"] += sum(len(d.reminders) for d, _ in decisions.values())
        stats["notifications"] += created
    return dict(stats)


def _release(db, owner, decisions):
    """Each subject's next-due instant, and the lease given back, in ONE round trip (one
    update per distinct instant, then the rest); a subject touched by an event while we held
    it (dirty) keeps next_due_at 0 and is looked at again at the next tick."""
    by_instant = defaultdict(list)
    for agenda_id, (decision, _) in decisions.items():
        due = decision.recheck_at.timestamp() if decision.recheck_at else st.NEVER
        by_instant[due].append(agenda_id)
    free = {"lease_until": lease.FREE, "lease_owner": None}
    updates = [UpdateMany({"_id": {"$in": ids}, "lease_owner": owner, "dirty": False},
                          {"$set": dict(free, next_due_at=due)})
               for due, ids in by_instant.items()]
    updates.append(UpdateMany({"_id": {"$in": list(decisions)}, "lease_owner": owner},
                              {"$set": free}))
    db[st.AGENDA].bulk_write(updates, ordered=True)


# -- evaluating a batch ----------------------------------------------------------------------------
def evaluate(db, items, now):
    """{agenda_id: (Decision, county_id)} for claimed agenda items."""
    by_kind = defaultdict(list)
    for item in items:
        by_kind[item["kind"]].append(item)
    out = {}
    context = Context(db)
    for kind, group in by_kind.items():
        evaluator = EVALUATORS.get(kind)
        for item in group:
            out[item["_id"]] = (Decision(), None)
        if evaluator:
            out.update(evaluator(context, [i["subject_id"] for i in group], now))
    return out


class Context:
    """Lookups shared by a batch: schools, county rules, staff of schools (cached)."""

    def __init__(self, db):
        self.db = db
        self._schools, self._policies, self._staff_of, self._scopes = {}, {}, {}, {}

    def schools(self, ids):
        missing = [i for i in set(ids) if i and i not in self._schools]
        for doc in self.db[st.SCHOOLS].find({"_id": {"$in": missing}}):
            self._schools[doc["_id"]] = doc
        return {i: self._schools.get(i) for i in ids}

    def county_of(self, school_id):
        school = self._schools.get(school_id) or {}
        return school.get("county_id")

    def policy(self, county_id):
        if county_id not in self._policies:
            doc = self.db[st.COUNTY_RULES].find_one({"_id": county_id}) if county_id else None
            self._policies[county_id] = policies.merged((doc or {}).get("rules"))
        return self._policies[county_id]

    def mentor_scope(self, county_id):
        """Who gets a mentor teacher in this county (the pairing policy's mentor scope):
        `recommended` (the classes' 典型 children, pairing's default) or `all`."""
        if county_id not in self._scopes:
            doc = self.db[st.PAIRING_POLICIES].find_one({"_id": county_id}) if county_id else None
            self._scopes[county_id] = (doc or {}).get("mentor_scope", DEFAULT_MENTOR_SCOPE)
        return self._scopes[county_id]

    def staff_of(self, school_ids):
        missing = [i for i in set(school_ids) if i and i not in self._staff_of]
        for school_id in missing:
            self._staff_of[school_id] = []
        for doc in self.db[st.STAFF].find({"school_id": {"$in": missing}}):
            self._staff_of[doc["school_id"]].append(doc)
        return self._staff_of

    def admins(self, school_id):
        return tuple(Recipient("staff", s["_id"]) for s in self._staff_of.get(school_id, [])
                     if s.get("active") and "school_admin" in (s.get("roles") or []))


def _group(docs, key):
    grouped = defaultdict(list)
    for doc in docs:
        grouped[doc[key]].append(doc)
    return grouped


def _day(text):
    return date.fromisoformat(text) if text else None


def _child_states(context, child_ids):
    db = context.db
    children = list(db[st.CHILDREN].find({"_id": {"$in": child_ids}}))
    pairings = _group(db[st.PAIRINGS].find({"child_id": {"$in": child_ids}}), "child_id")
    follow_ups = _group(db[st.FOLLOW_UPS].find({"child_id": {"$in": child_ids}, "done": False,
                                                "withdrawn": False}), "child_id")
    owners = {d["owner_id"] for docs in follow_ups.values() for d in docs}
    staff_ids = {d["_id"] for d in db[st.STAFF].find({"_id": {"$in": list(owners)}}, {"_id": 1})}
    classes = {d["_id"]: d for d in db[st.CLASSES].find(
        {"_id": {"$in": list({c.get("class_id") for c in children})}})}
    school_ids = [c.get("school_id") for c in children]
    schools = context.schools(school_ids)
    context.staff_of(school_ids)
    recommended = {d["_id"] for d in db[st.PRIORITY].find(
        {"_id": {"$in": child_ids}, "recommended": True}, {"_id": 1})}
    for doc in children:
        if not doc.get("name"):  # only a care record or flag arrived yet: no file to act on
            continue
        klass = classes.get(doc.get("class_id")) or {}
        school = schools.get(doc.get("school_id")) or {}
        county_id = school.get("county_id")
        yield ChildState(
            child={"id": doc["_id"], "name": doc["name"], "school_id": doc.get("school_id"),
                   "class_id": doc.get("class_id"), "status": doc.get("status"),
                   "birth_date": _day(doc.get("birth_date")),
                   "registered_on": _day(doc.get("registered_on")),
                   "status_since": _day(doc.get("status_since")),
                   "in_mentor_scope": context.mentor_scope(county_id) == "all"
                   or doc["_id"] in recommended},
            pairings=[{"pairing_id": p["_id"], "kind": p.get("kind"),
                       "partner_id": p.get("partner_id"), "partner_name": p.get("partner_name"),
                       "status": p.get("status"), "started_on": _day(p.get("started_on")),
                       "ended_on": _day(p.get("ended_on")), "reason": p.get("reason"),
                       "needs_repairing": bool(p.get("needs_repairing"))}
                      for p in pairings.get(doc["_id"], []) if p.get("started_on")],
            last_contacts={kind: from_epoch(v["at"]) for kind, v in (doc.get("last") or {}).items()},
            follow_ups=[{"action_id": f["_id"], "record_id": f["record_id"],
                         "due_on": _day(f["due_on"]),
                         "owner": Recipient("staff" if f["owner_id"] in staff_ids else "volunteer",
                                            f["owner_id"])}
                        for f in follow_ups.get(doc["_id"], [])],
            flags=[{"item_id": item_id, "at": from_epoch(f["at"]), "by_id": f.get("by_id"),
                    "kind": f.get("kind")} for item_id, f in (doc.get("flags") or {}).items()],
            head_teacher=Recipient("staff", klass["head_teacher_id"])
            if klass.get("head_teacher_id") else None,
            admins=context.admins(doc.get("school_id")),
            county=Recipient("county", county_id) if county_id else None,
            names={"class_name": klass.get("name"), "school_name": school.get("name")}), county_id


def _children(context, child_ids, now):
    out = {}
    for state, county_id in _child_states(context, child_ids):
        decision = rules.evaluate_child(state, now, context.policy(county_id))
        out[st.agenda_id("child", state.child["id"])] = (decision, county_id)
    return out


def _activities(context, activity_ids, now):
    db, out = context.db, {}
    docs = list(db[st.ACTIVITIES].find({"_id": {"$in": activity_ids}}))
    context.schools([d.get("school_id") for d in docs])
    for doc in docs:
        county_id = context.county_of(doc.get("school_id"))
        activity = {"id": doc["_id"], "state": doc.get("state"), "title": doc.get("title"),
                    "kind": doc.get("kind"), "school_id": doc.get("school_id"),
                    "starts_at": from_epoch(doc["starts_at"]),
                    "ends_at": from_epoch(doc["ends_at"]) if doc.get("ends_at") else None,
                    "organiser": Recipient("staff", doc["organiser_id"])
                    if doc.get("organiser_id") else None}
        out[st.agenda_id("activity", doc["_id"])] = (
            rules.attendance_missing(activity, now, context.policy(county_id)), county_id)
    return out


def _duty_rotas(context, school_ids, now):
    db, out = context.db, {}
    context.schools(school_ids)
    swaps = _group(db[st.DUTY_SWAPS].find({"school_id": {"$in": school_ids},
                                           "duty_date": china_day(now).isoformat()}),
                   "school_id")
    for doc in db[st.ROTAS].find({"_id": {"$in": school_ids}}):
        county_id = context.county_of(doc["_id"])
        rota = {"school_id": doc["_id"], "slots": doc.get("slots") or [],
                "effective_from": _day(doc.get("effective_from")) or china_day(now),
                "swaps": [dict(s, duty_date=_day(s["duty_date"])) for s in swaps[doc["_id"]]]}
        out[st.agenda_id("duty", doc["_id"])] = (
            rules.duty_today(rota, now, context.policy(county_id)), county_id)
    return out


def contact_counts(db, child_id, month):
    """Contacts of one child in one China month: {kind: n, 'last': date|None}."""
    start = at_china(month, "00:00").timestamp()
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    end = at_china(following, "00:00").timestamp()
    counts, last = defaultdict(int), None
    for doc in db[st.CARE_RECORDS].find({"child_id": child_id, "deleted": False,
                                         "occurred_at": {"$gte": start, "$lt": end}},
                                        {"kind": 1, "occurred_at": 1}):
        counts[doc["kind"]] += 1
        last = max(last or doc["occurred_at"], doc["occurred_at"])
    counts["last"] = china_day(from_epoch(last)) if last else None
    return dict(counts)


def _parent_summaries(context, child_ids, now):
    db, out = context.db, {}
    docs = list(db[st.PARENT_SUMMARIES].find({"_id": {"$in": child_ids}}))
    children = {d["_id"]: d for d in db[st.CHILDREN].find({"_id": {"$in": child_ids}},
                                                           {"name": 1, "school_id": 1})}
    context.schools([c.get("school_id") for c in children.values()])
    for doc in docs:
        child = children.get(doc["_id"]) or {}
        county_id = context.county_of(child.get("school_id"))
        policy = context.policy(county_id)
        month, sent_at, next_at = rules.parent_summary_month(now, policy)
        if sent_at.timestamp() < doc.get("since", 0) or not child.get("name"):
            decision = Decision(recheck_at=next_at)  # nothing before the parents opted in
        else:
            subscription = {"child_id": doc["_id"], "relations": doc.get("relations") or [],
                            "child_name": child.get("name"), "school_id": child.get("school_id")}
            decision = rules.parent_summary(subscription, contact_counts(db, doc["_id"], month),
                                            month, sent_at, next_at, policy)
        out[st.agenda_id("parents", doc["_id"])] = (decision, county_id)
    return out


EVALUATORS = {"child": _children, "activity": _activities, "duty": _duty_rotas,
              "parents": _parent_summaries}


# -- writing what was decided ---------------------------------------------------------------------------
def notification_documents(decisions, now):
    for decision, county_id in decisions.values():
        for reminder in decision.reminders:
            for recipient in reminder.recipients:
                due = reminder.due_at.timestamp()
                yield lease.claimable({
                    "_id": "{}>{}:{}".format(reminder.key, recipient.type, recipient.id),
                    "key": reminder.key, "rule": reminder.rule, "level": reminder.level,
                    "recipient": {"type": recipient.type, "id": recipient.id},
                    "recipient_key": "{}:{}".format(recipient.type, recipient.id),
                    "child_id": reminder.child_id, "school_id": reminder.school_id,
                    "county_id": county_id, "params": reminder.params,
                    "created_at": now.timestamp(), "due_at": due, "next_attempt_at": due,
                    "status": "pending", "deliveries": {}})


def write_notifications(db, decisions, now):
    return st.insert_new(db[st.NOTIFICATIONS], list(notification_documents(decisions, now)))
