"""The activities domain in plain Python: vocabulary with Chinese labels, time rules, roles,
attendance counts, duty rota, assessment averages, timeline paging. No AMQP, no MongoDB."""
import base64
import json
import uuid
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from carekit.clock import CHINA_TZ, china_date
from carekit.contracts import activities as contract
from carekit.errors import ValidationFailed

# A phone's clock may run a little ahead of ours; "in the future" allows for that.
CLOCK_SKEW = timedelta(minutes=5)

CARE_KIND_LABELS = contract.CARE_KIND_LABELS
BY_ROLE_LABELS = {"mentor": "帮扶教师", "proxy_parent": "代理家长", "other": "非结对人员"}
FLAG_LABELS = {"not_paired": "记录人不是该儿童当时的帮扶教师或代理家长",
               "author_inactive": "记录人已离职或不再服务"}
DIARY_TOPIC_LABELS = {"study": "学习", "mood": "情绪", "behaviour": "行为", "health": "健康"}
AID_FORM_LABELS = {"money": "资金", "goods": "物资"}
DONOR_TYPE_LABELS = {"school": "学校", "government": "政府部门", "enterprise": "企业",
                     "society": "社会团体", "individual": "个人", "other": "其他"}
ACTIVITY_KIND_LABELS = contract.ACTIVITY_KIND_LABELS
# `seminar` mixed the children's forum with the staff's seminar: kept for what was recorded
# with it, no longer scheduled.
RETIRED_KINDS = {"seminar": "请改选“座谈会”（儿童）或“研讨会/经验交流”（教职工）"}
# kinds held by one class: the class must be named, and only one
ONE_CLASS_KINDS = ("theme_meeting", "class_birthday")
GUEST_KINDS = ("staff_seminar", "seminar")
BIRTHDAY_TOKEN_LABELS = {"cards": "贺卡", "wishes": "生日祝福", "gifts": "小礼物"}
GUEST_ROLE_LABELS = {"expert": "专家", "leader": "领导", "other": "其他来宾"}
# Occasions with a fixed list; other kinds accept any lower_snake_case code.
OCCASIONS = {
    "festival": {"new_year": "元旦", "spring_festival": "春节", "lantern_festival": "元宵节",
                 "womens_day": "三八妇女节", "tree_planting_day": "植树节", "qingming": "清明节",
                 "labour_day": "劳动节", "youth_day": "五四青年节", "mothers_day": "母亲节",
                 "childrens_day": "六一儿童节", "dragon_boat": "端午节", "fathers_day": "父亲节",
                 "teachers_day": "教师节", "mid_autumn": "中秋节", "national_day": "国庆节",
                 "double_ninth": "重阳节", "other": "其他节日"},
    "staff_seminar": {"seminar": "研讨会", "experience_exchange": "经验交流"},
    "practice": {"send_smiles": "送微笑", "housework": "家务劳动", "volunteering": "志愿服务",
                 "other": "其他实践"},
    "competition": {"labour_skills": "劳动技能大赛", "reading_speech": "读书演讲",
                    "poetry_recital": "诗文诵读", "essay": "征文", "drawing": "绘画",
                    "sports": "体育比赛", "other": "其他比赛"},
}
OCCASIONS["children_forum"] = OCCASIONS["festival"]  # 元旦、六一 ... 座谈会
ACTIVITY_STATUS_LABELS = {"scheduled": "已安排", "cancelled": "已取消", "held": "已举行"}
ATTENDANCE_LABELS = {"present": "出席", "absent": "缺席", "excused": "请假"}
DUTY_PERIODS = {"noon": "午间", "after_school": "下午课后"}
DUTY_ACTIVITIES = {"reading": "课外阅读", "study_guidance": "学习指导", "sports": "体育活动",
                   "arts": "文艺活动", "other": "其他"}
WEEKDAY_LABELS = {1: "星期一", 2: "星期二", 3: "星期三", 4: "星期四", 5: "星期五",
                  6: "星期六", 7: "星期日"}
AWARD_LEVEL_LABELS = {"class": "班级", "school": "校级", "township": "乡镇级", "county": "县级",
                      "city": "市级", "province": "省级", "national": "国家级"}
RECIPIENT_LABELS = {"child": "学生", "staff": "教师"}
AWARDING_BODY_LABELS = {"class": "班级", "school": "学校", "young_pioneers": "少先队",
                        "township": "乡镇", "education_bureau": "教育局", "government": "政府",
                        "youth_league": "团委", "womens_federation": "妇联", "other": "其他"}
REVOKE_REASON_LABELS = {"entered_in_error": "录入有误", "duplicate": "重复录入",
                        "rescinded": "被撤销", "other": "其他"}
BEHAVIOUR_LABELS = {"excellent": "优", "good": "良", "fair": "中", "poor": "差"}
BEHAVIOUR_RANK = {"poor": 1, "fair": 2, "good": 3, "excellent": 4}
DIMENSION_LABELS = {"manners": "礼貌", "self_care": "自理", "independence": "自立自强"}
SUBJECT_LABELS = {"chinese": "语文", "maths": "数学", "english": "英语", "science": "科学",
                  "morality": "道德与法治", "physics": "物理", "chemistry": "化学",
                  "biology": "生物", "history": "历史", "geography": "地理", "pe": "体育",
                  "music": "音乐", "art": "美术", "it": "信息技术"}
DELETE_REASON_LABELS = {"duplicate": "重复录入", "wrong_child": "记错了儿童",
                        "entered_in_error": "录入有误", "other": "其他"}
TIMELINE_TYPES = ("care_record", "diary", "activity", "award")
TIMELINE_TYPE_LABELS = {"care_record": "帮扶记录", "diary": "成长日记", "activity": "集体活动",
                        "award": "荣誉"}

assert set(CARE_KIND_LABELS) == set(contract.CARE_KINDS)
assert set(ACTIVITY_KIND_LABELS) == set(contract.ACTIVITY_KINDS)
assert set(BIRTHDAY_TOKEN_LABELS) == set(contract.BIRTHDAY_TOKENS)
assert set(GUEST_ROLE_LABELS) == set(contract.GUEST_ROLES)
assert tuple(DIMENSION_LABELS) == contract.DIMENSIONS
assert set(AWARDING_BODY_LABELS) == set(contract.AWARDING_BODIES)
assert set(REVOKE_REASON_LABELS) == set(contract.REVOKE_REASONS)
assert set(DUTY_PERIODS) == set(contract.DUTY_PERIODS)
assert set(DUTY_ACTIVITIES) == set(contract.DUTY_ACTIVITIES)


# -- ids and time ----------------------------------------------------------------------------
def new_id(prefix, client_id=None):
    """Ids carry their type (cr_, gd_, ga_, aw_ ...): unique across collections, which the
    timeline's (at, _id) order relies on. A caller's own id is kept, prefixed."""
    return "{}_{}".format(prefix, client_id or uuid.uuid4().hex)


def stable_id(prefix, *parts):
    """The same id for the same parts (one assessment per child and term)."""
    return "{}_{}".format(prefix, uuid.uuid5(uuid.NAMESPACE_URL, "|".join(parts)).hex)


def stamp(moment):
    """How an instant is stored: UTC ISO 8601 text with milliseconds, e.g.
    2025-03-01T02:00:00.000Z. Fixed width, so text order is time order (sorting and keyset
    paging work on it). Text rather than a BSON date because the stand-in stores a date that
    is `$set` on an existing document as naive text, which would then sort wrongly."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "{:03d}Z".format(moment.microsecond // 1000)


def as_utc(value):
    """A stored instant (stamp text, or a datetime) as an aware UTC datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def to_stored(moment):
    return stamp(moment)


def now():
    """The current instant, to the millisecond (what is stored)."""
    return as_utc(stamp(datetime.now(timezone.utc)))


def local_date(value):
    return china_date(as_utc(value))


def today():
    return local_date(datetime.now(timezone.utc))


def day_start(day):
    """Midnight Beijing time of a date, stored form: the sort key of dated things (diary
    entries, awards)."""
    return stamp(datetime.combine(day, time(0, 0), tzinfo=CHINA_TZ))


def iso_day(day):
    """Dates are stored as ISO strings: BSON has no date type, and strings compare in order."""
    return day.isoformat() if isinstance(day, date) else day


def parse_day(text):
    return date.fromisoformat(text) if isinstance(text, str) else text


# -- errors ----------------------------------------------------------------------------------
class Problems:
    """Collects field problems so one answer names all of them."""

    def __init__(self):
        self.errors = []

    def add(self, field, code, message):
        self.errors.append({"field": field, "code": code, "message": message})

    def raise_if_any(self):
        if self.errors:
            raise ValidationFailed(errors=sorted(self.errors, key=lambda e: (e["field"],
                                                                             e["code"])))


# Files are opened when a school imports its roster, often weeks into a term whose care
# work is already under way. What happened since that term began may be entered (补录);
# before it, a date is a slip. Terms begin on 1 February and 1 September.
TERM_STARTS = ((9, 1), (2, 1))


def term_start(day):
    """The first day of the school term (or the summer/winter break after it) `day` is in."""
    for year in (day.year, day.year - 1):
        for month, first in TERM_STARTS:
            start = date(year, month, first)
            if start <= day:
                return start
    raise ValueError(day)  # unreachable: 1 September of the year before is always earlier


def earliest_record_day(child):
    """The earliest date a record about the child may carry, or None (no file date)."""
    registered_on = child.get("registered_on") if child else None
    return term_start(parse_day(registered_on)) if registered_on else None


def _check_since_term(problems, field, day, child):
    earliest = earliest_record_day(child)
    if earliest and day < earliest:
        problems.add(field, "before_registration",
                     "日期不能早于该儿童建档当学期的开学日（{}，建档于{}）".format(
                         earliest.isoformat(), child["registered_on"]))


def check_moment(problems, field, moment, child, current):
    """A contact's time: not in the future, not before the term in which the child's file
    was opened."""
    moment = as_utc(moment)
    if moment > current + CLOCK_SKEW:
        problems.add(field, "in_future", "时间不能晚于现在")
    _check_since_term(problems, field, local_date(moment), child)


def check_day(problems, field, day, child, current):
    if day > local_date(current + CLOCK_SKEW):
        problems.add(field, "in_future", "日期不能晚于今天")
    _check_since_term(problems, field, day, child)


# -- who is writing --------------------------------------------------------------------------
# Pairings are recorded once the file exists, within the school's first weeks on the
# system. For a day before the file was opened (history entered late), a pairing made in
# those weeks counts as already in force: it is how the school worked then.
SETUP_DAYS = timedelta(days=14)


def pairing_covers(pairing, day, registered_on=None):
    """Was this pairing in force on `day` (an ISO date string)? The end date still counts.
    registered_on: the child's file date (ISO), for history entered late."""
    started = pairing.get("started_on")
    ended = pairing.get("ended_on")
    if registered_on and day < registered_on:
        setup_until = iso_day(parse_day(registered_on) + SETUP_DAYS)
        return (started is None or started <= setup_until) and (ended is None or day <= ended)
    return (started is None or started <= day) and (ended is None or day <= ended)


def author_role(pairings, person_id, day, registered_on=None):
    """mentor / proxy_parent / other: the author's pairing with the child on that day."""
    roles = {p["kind"] for p in pairings
             if p.get("person_id") == person_id and pairing_covers(p, day, registered_on)}
    for role in ("mentor", "proxy_parent"):
        if role in roles:
            return role
    return "other"


def authorship_labels(record):
    """The labels of a care record's or diary entry's by_role and flag reasons."""
    return {"by_role_label": BY_ROLE_LABELS[record["by_role"]],
            "flag_labels": [FLAG_LABELS[f] for f in record.get("flag_reasons") or []]}


def flags_for(role, author):
    flags = []
    if role == "other":
        flags.append("not_paired")
    if not author.get("active", True):
        flags.append("author_inactive")
    return flags


# -- money, attendance, assessments ------------------------------------------------------------
def to_fen(amount):
    """Yuan (Decimal, 2 places) -> integer fen; money is never a float."""
    if amount is None:
        return None
    return int((Decimal(amount) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def yuan(fen):
    return None if fen is None else "{}.{:02d}".format(fen // 100, fen % 100)


def attendance_counts(attendance):
    """attendance: [{child_id, status, left_behind}] -> counts for ActivityHeld."""
    counts = {"present": 0, "absent": 0, "excused": 0, "left_behind_present": 0}
    for mark in attendance:
        counts[mark["status"]] += 1
        if mark["status"] == "present" and mark.get("left_behind"):
            counts["left_behind_present"] += 1
    return counts


def average_percent(scores):
    if not scores:
        return None
    return round(sum(100.0 * s["score"] / s["full_marks"] for s in scores) / len(scores), 2)


def progress(assessments):
    """Term-by-term change, oldest first: how grades and behaviour moved (成绩提高了)."""
    out, previous = [], None
    for current in sorted(assessments, key=lambda a: a["term"]):
        step = dict(current)
        if previous is not None:
            if current.get("average_percent") is not None and \
                    previous.get("average_percent") is not None:
                step["average_change"] = round(current["average_percent"]
                                               - previous["average_percent"], 2)
            if current.get("behaviour_rating") and previous.get("behaviour_rating"):
                step["behaviour_change"] = (BEHAVIOUR_RANK[current["behaviour_rating"]]
                                            - BEHAVIOUR_RANK[previous["behaviour_rating"]])
            step["dimension_changes"] = dimension_changes(previous, current)
        out.append(step)
        previous = current
    return out


def dimension_changes(previous, current):
    """{dimension: rank change (+ better, - worse)} for the dimensions rated both times."""
    before = previous.get("dimensions") or {}
    after = current.get("dimensions") or {}
    return {d: BEHAVIOUR_RANK[after[d]] - BEHAVIOUR_RANK[before[d]]
            for d in DIMENSION_LABELS if after.get(d) and before.get(d)}


def dimension_summary(changes):
    """[{dimension: change}] of many children -> per dimension how many improved, stayed,
    declined (rated in both terms only)."""
    out = {d: {"improved": 0, "same": 0, "declined": 0, "label": label}
           for d, label in DIMENSION_LABELS.items()}
    for change in changes:
        for dimension, step in change.items():
            out[dimension]["improved" if step > 0 else "declined" if step < 0 else "same"] += 1
    return out


# -- duty rota -------------------------------------------------------------------------------
def rota_in_force(versions, day):
    """versions: [{effective_from, slots, ...}] -> the one in force on `day`, or None."""
    candidates = [v for v in versions if v["effective_from"] <= iso_day(day)]
    return max(candidates, key=lambda v: (v["effective_from"], v.get("revision", 0)),
               default=None)


def duty_slots(rota, day):
    weekday = day.isoweekday()
    return [s for s in (rota or {}).get("slots", []) if s["weekday"] == weekday]


def with_swaps(slot, swaps):
    """A slot's staff on one date after that date's swaps (代班): [{staff_id, substitute_id}]
    of the slot's period. A substitute takes the place of the one replaced."""
    replaced = {s["staff_id"]: s["substitute_id"] for s in swaps
                if s["period"] == slot["period"]}
    staff = []
    for staff_id in slot["staff_ids"]:
        staff_id = replaced.get(staff_id, staff_id)
        if staff_id not in staff:
            staff.append(staff_id)
    return staff


# -- timeline paging -------------------------------------------------------------------------
class BadCursor(ValueError):
    pass


def encode_cursor(at, item_id):
    raw = json.dumps([at, item_id])
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor):
    """-> (at, id). Refuses anything this service did not hand out."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, item_id = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(item_id, str) or stamp(as_utc(at)) != at:
            raise ValueError(cursor)
        return at, item_id
    except (ValueError, TypeError, AttributeError, UnicodeError):
        raise BadCursor(cursor)


def newest_first(batches, limit):
    """Merge batches (each already newest first by (at, _id)) and keep the first `limit`.
    Ids are unique across collections (typed prefixes), so (at, _id) is a total order."""
    merged = sorted((item for batch in batches for item in batch),
                    key=lambda item: (item["at"], item["_id"]), reverse=True)
    return merged[:limit]
