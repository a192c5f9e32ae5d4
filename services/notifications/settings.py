"""What people set: a recipient's channels and opt-out, a county's rules and templates, and
the migrant parents' opt-in to the monthly message. Validated input in, plain dicts out."""
import time

from pymongo.errors import DuplicateKeyError

from carekit.errors import Conflict, ValidationFailed
from notifications import delivery, policy, templates
from notifications import storage as st


def recipient_key(data):
    return "{}:{}".format(data["recipient_type"], data["recipient_id"])


# -- a recipient's preferences --------------------------------------------------------------------
def get_preferences(db, data):
    key = recipient_key(data)
    doc = db[st.PREFERENCES].find_one({"_id": key}) or {}
    return {"recipient_type": data["recipient_type"], "recipient_id": data["recipient_id"],
            "channels": delivery.chosen_channels(data["recipient_type"], doc),
            "available": list(delivery.AVAILABLE[data["recipient_type"]]),
            "opt_out": bool(doc.get("opt_out")), "muted_rules": doc.get("muted_rules") or []}


def set_preferences(db, data):
    available = delivery.AVAILABLE[data["recipient_type"]]
    wrong = [c for c in data.get("channels") or [] if c not in available]
    if wrong:
        raise ValidationFailed.single("channels", "channel_not_available",
                                      "该类接收人只能选择：" + "、".join(available))
    db[st.PREFERENCES].update_one({"_id": recipient_key(data)}, {"$set": {
        "channels": list(dict.fromkeys(data.get("channels") or [])) or None,
        "opt_out": data["opt_out"], "muted_rules": sorted(set(data["muted_rules"])),
        "updated_by": data["by"], "updated_at": time.time()}}, upsert=True)
    return get_preferences(db, data)


# -- a county's rules and templates ----------------------------------------------------------------
def _county(db, county_id):
    return db[st.COUNTY_RULES].find_one({"_id": county_id}) or {"_id": county_id, "version": 0,
                                                                 "rules": {}, "templates": {}}


def get_county_rules(db, county_id):
    doc = _county(db, county_id)
    return {"county_id": county_id, "version": doc.get("version", 0),
            "rules": policy.merged(doc.get("rules")), "overrides": doc.get("rules") or {},
            "defaults": policy.DEFAULTS,
            "templates": {rule: {"custom": rule in (doc.get("templates") or {}),
                                 "text": (doc.get("templates") or {}).get(rule)
                                 or templates.default_text(rule)}
                          for rule in policy.RULE_NAMES}}


def _save(db, doc, changes, expected_version):
    """Write the county document as its next version, unless it changed since it was read."""
    version = doc.get("version", 0)
    if expected_version is not None and expected_version != version:
        raise Conflict(code="stale_version", message="县里的提醒规则刚被他人修改，请刷新后重试",
                       current_version=version)
    changes = dict(changes, version=version + 1, updated_at=time.time())
    try:
        if version == 0:
            db[st.COUNTY_RULES].insert_one(dict(doc, **changes))
            return
        matched = db[st.COUNTY_RULES].update_one({"_id": doc["_id"], "version": version},
                                                 {"$set": changes}).matched_count
    except DuplicateKeyError:
        matched = 0
    if not matched:
        raise Conflict(code="stale_version", message="县里的提醒规则刚被他人修改，请刷新后重试")


def set_county_rules(db, data):
    doc = _county(db, data["county_id"])
    overrides = policy.merged(doc.get("rules"))
    policy.lay_over(overrides, data["changes"])
    stored = _differences(policy.DEFAULTS, overrides)
    _save(db, doc, {"rules": stored, "updated_by": data["by"]}, data.get("expected_version"))
    _recheck_county(db, data["county_id"])
    return get_county_rules(db, data["county_id"])


def _differences(defaults, values):
    """Only what differs from the defaults is stored: a default changed later still applies
    to every county that never touched it."""
    out = {}
    for key, value in values.items():
        base = defaults.get(key) if isinstance(defaults, dict) else None
        if isinstance(value, dict) and isinstance(base, dict):
            nested = _differences(base, value)
            if nested:
                out[key] = nested
        elif value != base:
            out[key] = value
    return out


def _recheck_county(db, county_id):
    """Every subject of the county's schools is looked at again at the next tick."""
    schools = [d["_id"] for d in db[st.SCHOOLS].find({"county_id": county_id}, {"_id": 1})]
    children = [d["_id"] for d in db[st.CHILDREN].find({"school_id": {"$in": schools}},
                                                       {"_id": 1})]
    activities = [d["_id"] for d in db[st.ACTIVITIES].find({"school_id": {"$in": schools}},
                                                           {"_id": 1})]
    ids = ([st.agenda_id("child", c) for c in children]
           + [st.agenda_id("parents", c) for c in children]
           + [st.agenda_id("activity", a) for a in activities]
           + [st.agenda_id("duty", s) for s in schools])
    for start in range(0, len(ids), 1000):
        st.touch_many(db, {"_id": {"$in": ids[start:start + 1000]}})


def set_county_template(db, data):
    doc = _county(db, data["county_id"])
    custom = dict(doc.get("templates") or {})
    if data.get("text"):
        try:
            templates.check(data["rule"], data["text"])
        except templates.TemplateProblem as exc:
            raise ValidationFailed.single("text", "bad_template", str(exc))
        custom[data["rule"]] = data["text"]
    else:
        custom.pop(data["rule"], None)
    _save(db, doc, {"templates": custom, "updated_by": data["by"]}, None)
    return get_county_rules(db, data["county_id"])["templates"][data["rule"]]


def preview_template(db, data):
    doc = _county(db, data["county_id"])
    text = (doc.get("templates") or {}).get(data["rule"])
    title, body = templates.render(data["rule"], dict(templates.SAMPLE, level=data["level"]),
                                   text)
    return {"rule": data["rule"], "title": title, "body": body, "custom": bool(text)}


# -- migrant parents' monthly message --------------------------------------------------------------
def set_parent_summary(db, data, now):
    relations = sorted(set(data["relations"]))
    db[st.PARENT_SUMMARIES].update_one({"_id": data["child_id"]}, {"$set": {
        "relations": relations, "since": now.timestamp(), "updated_by": data["by"]}},
        upsert=True)
    st.touch(db, "parents", data["child_id"])
    return {"child_id": data["child_id"], "relations": relations}
