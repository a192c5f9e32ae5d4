"""Events published by the activities service (v1): care records, growth diary, group
activities, aid, honours and assessments.

What subscribers (notifications, reporting) need to count, remind and summarise, and nothing
more: ids, who, when, kind, counts. NEVER a name, national ID, phone, address or free-text
note (notes about a child can be sensitive; they stay in the activities database). Short
labels that are not about a person (an activity's title, an award's title) are carried
because the work summary (工作总结) quotes them.

Evolution: every schema here ignores unknown fields, so v1 may gain optional fields without
breaking subscribers; fields are never renamed or removed (a breaking change is a v2).

Ordering and corrections: a care record, activity or assessment can change after it was
first published. Such events carry `revision` (1 for the first, +1 per change) so a
subscriber keeps the newest with `upsert_if_newer(coll, <id>, revision, data, "revision")`:
- care record: VisitLogged (revision 1), VisitRevised (>1), VisitDeleted (soft delete, last);
  for kind=aid an AidDistributed with the same revision accompanies VisitLogged/VisitRevised
  (aid_id == record_id; VisitDeleted, or a VisitRevised whose kind is no longer aid,
  withdraws the aid);
- diary entry: DiaryEntryAdded (revision 1 implied), DiaryEntryRevised (>1),
  DiaryEntryDeleted;
- group activity: ActivityScheduled (revision grows with each reschedule), ActivityCancelled,
  ActivityHeld (revision grows when attendance is corrected; shares the activity's counter);
- assessment: AssessmentRecorded; one per child and term, a correction re-publishes it with
  a higher revision under the same assessment_id.

Vocabulary (stable codes; Chinese labels in activities.domain):
- care kind: home_visit 家访 | talk 谈心 | parent_call 电话联系 | family_video_call 亲情电话 |
  study_guidance 学习指导 | counselling 心理辅导 | aid 资助 | gift 赠送礼物 | birthday 过生日 |
  behaviour_followup 行为矫正跟进
- by_role (the author's relation to the child when the record was made): mentor |
  proxy_parent | other; `flagged` is true when other (accepted, but worth a look)
- diary topic: study | mood | behaviour | health
- aid form: money | goods; donor_type: school | government | enterprise | society |
  individual | other
- activity kind: theme_meeting 主题班队会 | festival 节日活动 | competition 比赛 | reading 读书活动 |
  book_donation 图书角捐赠 | radio 校园广播 | after_school 课后活动 | parent_meeting 家长会 |
  seminar 研讨会/座谈会/经验交流 (v1; no longer scheduled); v2 adds class_birthday 集体生日会 |
  children_forum 座谈会 (children: talks, gifts) | staff_seminar 研讨会/经验交流 (staff; guests)
  | practice 实践活动 (送微笑)
- birthday token: cards 贺卡 | wishes 生日祝福 | gifts 小礼物; guest role: expert 专家 | leader 领导
  | other
- attendance: present | absent | excused
- award recipient_type: child | staff; level: class | school | township | county | city |
  province | national
- behaviour_rating: excellent 优 | good 良 | fair 中 | poor 差
- assessment dimension (v2, each rated like behaviour): manners 礼貌 | self_care 自理 |
  independence 自立自强
- awarding body (v2): class 班级 | school 学校 | young_pioneers 少先队 | township 乡镇 |
  education_bureau 教育局 | government 政府 | youth_league 团委 | womens_federation 妇联 | other
- award revoke reason: entered_in_error 录入有误 | duplicate 重复录入 | rescinded 被撤销 | other
- duty period: noon 午间 | after_school 下午课后; duty activity: reading 课外阅读 |
  study_guidance 学习指导 | sports 体育活动 | arts 文艺活动 | other

Supplies given to many children at once (学习用品 at 六一 or New Year, since issue 10):
SuppliesDistributed, one per activity (a correction re-publishes it with a higher revision
under the same distribution_id), lists each receiving child once. It is NOT aid: aid to one
child is a care record of kind aid (AidDistributed); a distribution never causes an
AidDistributed and an AidDistributed never covers a distribution, so adding the two never
counts a gift twice. Children reached by supplies = the distinct child_ids of the newest
revision of each distribution.

School radio (红领巾广播台, since issue 10): a programme (午间书场, 11:40-12:00 on school days,
two announcers, a serial reading of 《西游记》) is one thing with a weekly schedule
(RadioProgrammeSet, revision grows with each change), and each broadcast is an episode
(RadioEpisodeAired, one per programme and day; a correction re-publishes it with a higher
revision under the same episode_id) rather than an activity with a roll call.

Duty (轮流值日, since issue 10): DutyRotaSet publishes each version of a school's rota (revision
grows; the one in force on a day is the newest whose effective_from is not after it);
DutySwapped is a one-date substitution (代班) of one teacher by another in one period (the
same school, date, period and teacher again replaces it: higher revision); DutySessionHeld
says a duty session actually took place (one per school, date and period; a correction
re-publishes it with a higher revision under the same session_id).
"""
from marshmallow import EXCLUDE, Schema, fields, validate

from carekit.events import event_schema

CARE_KINDS = ("home_visit", "talk", "parent_call", "family_video_call", "study_guidance",
              "counselling", "aid", "gift", "birthday", "behaviour_followup")
BY_ROLES = ("mentor", "proxy_parent", "other")
DIARY_TOPICS = ("study", "mood", "behaviour", "health")
AID_FORMS = ("money", "goods")
DONOR_TYPES = ("school", "government", "enterprise", "society", "individual", "other")
ACTIVITY_KINDS_V1 = ("theme_meeting", "festival", "competition", "reading", "book_donation",
                     "radio", "after_school", "parent_meeting", "seminar")
# v2 of the activity events: a class's birthday celebration, the children's forum (座谈会) and
# the staff's seminar / experience exchange (研讨会/经验交流) apart, practice activities (送微笑).
ACTIVITY_KINDS = ACTIVITY_KINDS_V1 + ("class_birthday", "children_forum", "staff_seminar",
                                      "practice")
# What people read for the codes above (reminders, pages, reports): one table for every
# consumer, so a new kind is named everywhere at once.
CARE_KIND_LABELS = {
    "home_visit": "家访", "talk": "谈心", "parent_call": "电话联系",
    "family_video_call": "亲情电话", "study_guidance": "学习指导", "counselling": "心理辅导",
    "aid": "资助", "gift": "赠送礼物", "birthday": "过生日", "behaviour_followup": "行为矫正跟进",
}
ACTIVITY_KIND_LABELS = {
    "theme_meeting": "主题班队会", "festival": "节日活动", "competition": "比赛",
    "reading": "读书活动", "book_donation": "图书角捐赠", "radio": "校园广播",
    "after_school": "课后活动", "parent_meeting": "家长会", "seminar": "研讨会/座谈会（旧）",
    "class_birthday": "集体生日会", "children_forum": "座谈会", "staff_seminar": "研讨会/经验交流",
    "practice": "实践活动",
}
BIRTHDAY_TOKENS = ("cards", "wishes", "gifts")
GUEST_ROLES = ("expert", "leader", "other")
ATTENDANCE = ("present", "absent", "excused")
RECIPIENT_TYPES = ("child", "staff")
AWARD_LEVELS = ("class", "school", "township", "county", "city", "province", "national")
BEHAVIOUR_RATINGS = ("excellent", "good", "fair", "poor")
DELETE_REASONS = ("duplicate", "wrong_child", "entered_in_error", "other")
DIMENSIONS = ("manners", "self_care", "independence")
AWARDING_BODIES = ("class", "school", "young_pioneers", "township", "education_bureau",
                   "government", "youth_league", "womens_federation", "other")
REVOKE_REASONS = ("entered_in_error", "duplicate", "rescinded", "other")
DUTY_PERIODS = ("noon", "after_school")
ANNOUNCER_TYPES = ("child", "staff")
DUTY_ACTIVITIES = ("reading", "study_guidance", "sports", "arts", "other")

_id = dict(required=True, validate=validate.Length(min=1, max=64))
_optional_id = dict(allow_none=True, load_default=None, validate=validate.Length(min=1, max=64))
_revision = dict(required=True, validate=validate.Range(min=1))
_code = validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$")
_count = dict(required=True, validate=validate.Range(min=0))


class Contract(Schema):
    """Base of this module's schemas: later optional fields must not break old readers."""

    class Meta:
        unknown = EXCLUDE


class FollowUpFacts(Contract):
    """A follow-up action promised in a care record: who owns it and by when (no text)."""
    action_id = fields.String(**_id)
    owner_id = fields.String(**_id)
    due_on = fields.Date(required=True)
    done = fields.Boolean(load_default=False)


class AuthoredFacts(Contract):
    """What a care record and a diary entry both say: the child, and who wrote about the
    child in what relation to the child (by_role; flagged when other)."""
    child_id = fields.String(**_id)
    school_id = fields.String(**_id)
    class_id = fields.String(**_optional_id)
    by_id = fields.String(**_id)                 # staff_id or volunteer_id
    by_role = fields.String(required=True, validate=validate.OneOf(BY_ROLES))
    flagged = fields.Boolean(required=True)


class CareRecordFacts(AuthoredFacts):
    record_id = fields.String(**_id)
    revision = fields.Integer(**_revision)
    kind = fields.String(required=True, validate=validate.OneOf(CARE_KINDS))
    occurred_at = fields.AwareDateTime(required=True)
    duration_minutes = fields.Integer(allow_none=True, load_default=None,
                                      validate=validate.Range(min=0))
    wellbeing = fields.Integer(allow_none=True, load_default=None,
                               validate=validate.Range(min=1, max=5))
    follow_ups = fields.List(fields.Nested(FollowUpFacts), load_default=list)


class Withdrawal(Contract):
    """A record about a child was withdrawn: soft-deleted, by whom and why."""
    child_id = fields.String(**_id)
    school_id = fields.String(**_id)
    deleted_by = fields.String(**_id)
    reason_code = fields.String(required=True, validate=validate.OneOf(DELETE_REASONS))


@event_schema("activities", "VisitLogged", version=1, public=dict(
    child="child_id", refs=("record_id",), keep=("kind", "by_role", "revision", "duration_minutes"),
    dates=("occurred_at",), education=("school_id",)))
class VisitLoggedV1(CareRecordFacts):
    """A one-to-one care contact (家访, 谈心, 电话联系, 亲情电话, 资助 ...) was recorded; `kind` says
    which. revision is 1."""


@event_schema("activities", "VisitRevised", version=1, public=dict(
    child="child_id", refs=("record_id",), keep=("kind", "by_role", "revision", "duration_minutes"),
    dates=("occurred_at",), education=("school_id",)))
class VisitRevisedV1(CareRecordFacts):
    """A care record was corrected; carries its full current public state (revision > 1)."""
    changed_fields = fields.List(fields.String(), required=True)


@event_schema("activities", "VisitDeleted", version=1, public=dict(
    child="child_id", refs=("record_id",), keep=("kind", "revision", "reason_code"),
    dates=("occurred_at",), education=("school_id",)))
class VisitDeletedV1(Withdrawal):
    """A care record (and, for kind=aid, its aid) was withdrawn: soft-deleted with a reason."""
    record_id = fields.String(**_id)
    revision = fields.Integer(**_revision)
    kind = fields.String(required=True, validate=validate.OneOf(CARE_KINDS))
    occurred_at = fields.AwareDateTime(required=True)


@event_schema("activities", "AidDistributed", version=1, public=dict(
    child="child_id", refs=("aid_id",),
    keep=("revision", "form", "amount_fen", "quantity", "donor_type"),
    dates=("occurred_at",), education=("school_id",)))
class AidDistributedV1(Contract):
    """Aid (资助) was handed to a child: money or goods. amount_fen is the money, or the goods'
    estimated value, in fen (1 yuan = 100 fen). Re-published with the record's revision when
    the record is corrected."""
    aid_id = fields.String(**_id)                # == the care record's record_id
    revision = fields.Integer(**_revision)
    child_id = fields.String(**_id)
    school_id = fields.String(**_id)
    class_id = fields.String(**_optional_id)
    by_id = fields.String(**_id)
    occurred_at = fields.AwareDateTime(required=True)
    form = fields.String(required=True, validate=validate.OneOf(AID_FORMS))
    amount_fen = fields.Integer(allow_none=True, load_default=None,
                                validate=validate.Range(min=0))
    quantity = fields.Integer(allow_none=True, load_default=None,
                              validate=validate.Range(min=0))
    donor_type = fields.String(required=True, validate=validate.OneOf(DONOR_TYPES))


class DiaryEntryFacts(AuthoredFacts):
    entry_id = fields.String(**_id)
    entry_date = fields.Date(required=True)
    topics = fields.List(fields.String(validate=validate.OneOf(DIARY_TOPICS)), required=True)


@event_schema("activities", "DiaryEntryAdded", version=1)
class DiaryEntryAddedV1(DiaryEntryFacts):
    """A growth diary (成长日记) entry was written for a child."""


@event_schema("activities", "DiaryEntryRevised", version=1)
class DiaryEntryRevisedV1(DiaryEntryFacts):
    """A growth diary entry was corrected; carries its full current public state."""
    revision = fields.Integer(**_revision)
    changed_fields = fields.List(fields.String(), required=True)


@event_schema("activities", "DiaryEntryDeleted", version=1)
class DiaryEntryDeletedV1(Withdrawal):
    """A growth diary entry was withdrawn (soft-deleted with a reason)."""
    entry_id = fields.String(**_id)


class ActivityFacts(Contract):
    activity_id = fields.String(**_id)
    revision = fields.Integer(**_revision)
    school_id = fields.String(**_id)
    kind = fields.String(required=True, validate=validate.OneOf(ACTIVITY_KINDS_V1))
    occasion = fields.String(allow_none=True, load_default=None, validate=_code)  # childrens_day
    title = fields.String(required=True, validate=validate.Length(min=1, max=100))
    sub_theme = fields.String(allow_none=True, load_default=None,
                              validate=validate.Length(max=100))
    organiser_id = fields.String(**_id)
    class_ids = fields.List(fields.String(), load_default=list)  # empty: whole school
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(allow_none=True, load_default=None)


@event_schema("activities", "ActivityScheduled", version=1)
class ActivityScheduledV1(ActivityFacts):
    """A group activity (主题班队会, 六一活动, 劳动技能大赛, 家长会, 座谈会 ...) was scheduled, or
    rescheduled (higher revision, same activity_id)."""


@event_schema("activities", "ActivityCancelled", version=1)
class ActivityCancelledV1(Contract):
    """A scheduled group activity was called off."""
    activity_id = fields.String(**_id)
    revision = fields.Integer(**_revision)
    school_id = fields.String(**_id)
    kind = fields.String(required=True, validate=validate.OneOf(ACTIVITY_KINDS_V1))
    starts_at = fields.AwareDateTime(required=True)


class HeldCounts(Contract):
    held_on = fields.Date(required=True)
    present = fields.Integer(**_count)
    absent = fields.Integer(**_count)
    excused = fields.Integer(**_count)
    left_behind_present = fields.Integer(**_count)
    participant_count = fields.Integer(allow_none=True, load_default=None,
                                       validate=validate.Range(min=0))
    present_child_ids = fields.List(fields.String(), load_default=list)


_HELD_PUBLIC = dict(
    refs=("activity_id",), keep=("revision", "kind", "occasion", "present", "absent", "excused",
                                 "left_behind_present", "participant_count"),
    dates=("held_on",), education=("school_id",))


@event_schema("activities", "ActivityHeld", version=1, public=_HELD_PUBLIC)
class ActivityHeldV1(ActivityFacts, HeldCounts):
    """A group activity took place and attendance was taken; re-published with a higher
    revision when attendance is corrected. Counts are of children on the activity's roll;
    left_behind_present counts present children who are left-behind (active files) then;
    participant_count is the organiser's head count of everyone (may be larger)."""


class ActivityFactsV2(ActivityFacts):
    """v2: the kinds of issue 10, the children a class birthday celebrates and what they were
    given, the roles of a seminar's guests (no names)."""
    kind = fields.String(required=True, validate=validate.OneOf(ACTIVITY_KINDS))
    celebrated_child_ids = fields.List(fields.String(), load_default=list)
    birthday_tokens = fields.List(fields.String(validate=validate.OneOf(BIRTHDAY_TOKENS)),
                                  load_default=list)
    guest_roles = fields.List(fields.String(validate=validate.OneOf(GUEST_ROLES)),
                              load_default=list)


@event_schema("activities", "ActivityScheduled", version=2)
class ActivityScheduledV2(ActivityFactsV2):
    """ActivityScheduled with the v2 facts (see ActivityFactsV2)."""


@event_schema("activities", "ActivityCancelled", version=2)
class ActivityCancelledV2(ActivityCancelledV1):
    """ActivityCancelled; v2 allows the v2 kinds."""
    kind = fields.String(required=True, validate=validate.OneOf(ACTIVITY_KINDS))


@event_schema("activities", "ActivityHeld", version=2, public=_HELD_PUBLIC)
class ActivityHeldV2(ActivityFactsV2, HeldCounts):
    """ActivityHeld with the v2 facts (see ActivityFactsV2); counts as in v1."""


@event_schema("activities", "AwardGranted", version=1, public=dict(
    child="child_id", refs=("award_id",), keep=("recipient_type", "level"),
    dates=("granted_on",), education=("school_id",)))
class AwardGrantedV1(Contract):
    """An honour was granted to a child (e.g. 自强少年) or a teacher (优秀教师)."""
    award_id = fields.String(**_id)
    recipient_type = fields.String(required=True, validate=validate.OneOf(RECIPIENT_TYPES))
    child_id = fields.String(**_optional_id)     # set when recipient_type is child
    staff_id = fields.String(**_optional_id)     # set when recipient_type is staff
    school_id = fields.String(**_id)
    title = fields.String(required=True, validate=validate.Length(min=1, max=100))
    level = fields.String(required=True, validate=validate.OneOf(AWARD_LEVELS))
    granted_on = fields.Date(required=True)
    recorded_by = fields.String(**_id)


_AWARD_PUBLIC = dict(child="child_id", refs=("award_id",), keep=("recipient_type", "level"),
                     dates=("granted_on",), education=("school_id",))


@event_schema("activities", "AwardGranted", version=2, public=_AWARD_PUBLIC)
class AwardGrantedV2(AwardGrantedV1):
    """AwardGranted v2: who awarded it (the kind of awarding body, a code: the body's name as
    written, e.g. 莆田市教育局, stays in the database like every free text), the child's class
    then, and the competition activity it came from (if any). revision is 1; AwardRevoked
    carries 2."""
    revision = fields.Integer(**_revision)
    awarding_body = fields.String(allow_none=True, load_default=None,
                                  validate=validate.OneOf(AWARDING_BODIES))
    class_id = fields.String(**_optional_id)
    activity_id = fields.String(**_optional_id)


@event_schema("activities", "AwardRevoked", version=1, public=dict(
    child="child_id", refs=("award_id",), keep=("recipient_type", "reason_code", "revision"),
    dates=("revoked_on",), education=("school_id",)))
class AwardRevokedV1(Contract):
    """An award was withdrawn with a reason (the reason's text stays in the database)."""
    award_id = fields.String(**_id)
    revision = fields.Integer(**_revision)
    recipient_type = fields.String(required=True, validate=validate.OneOf(RECIPIENT_TYPES))
    child_id = fields.String(**_optional_id)
    staff_id = fields.String(**_optional_id)
    school_id = fields.String(**_id)
    revoked_on = fields.Date(required=True)
    revoked_by = fields.String(**_id)
    reason_code = fields.String(required=True, validate=validate.OneOf(REVOKE_REASONS))


class SubjectScore(Contract):
    subject = fields.String(required=True, validate=_code)   # chinese, maths, english ...
    score = fields.Float(required=True, validate=validate.Range(min=0))
    full_marks = fields.Float(required=True, validate=validate.Range(min=1))


@event_schema("activities", "AssessmentRecorded", version=1, public=dict(
    child="child_id", refs=("assessment_id",), keep=("revision", "term", "average_percent",
                                                      "behaviour_rating"),
    education=("school_id",), education_only=True))
class AssessmentRecordedV1(Contract):
    """A child's term assessment: grades by subject and a behaviour rating, so that
    "成绩提高了, 行为习惯好了" can be shown with numbers. One per child and term; a correction
    re-publishes it with a higher revision. average_percent is the mean of score/full_marks."""
    assessment_id = fields.String(**_id)
    revision = fields.Integer(**_revision)
    child_id = fields.String(**_id)
    school_id = fields.String(**_id)
    class_id = fields.String(**_optional_id)
    term = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-\d{4}-[12]$"))
    scores = fields.List(fields.Nested(SubjectScore), load_default=list)
    average_percent = fields.Float(allow_none=True, load_default=None)
    behaviour_rating = fields.String(allow_none=True, load_default=None,
                                     validate=validate.OneOf(BEHAVIOUR_RATINGS))
    recorded_by = fields.String(**_id)


# -- duty rota (轮流值日) ------------------------------------------------------------------------
class DutySlotFacts(Contract):
    weekday = fields.Integer(required=True, validate=validate.Range(min=1, max=7))
    period = fields.String(required=True, validate=validate.OneOf(DUTY_PERIODS))
    staff_ids = fields.List(fields.String(validate=validate.Length(min=1, max=64)),
                            required=True)
    activities = fields.List(fields.String(validate=validate.OneOf(DUTY_ACTIVITIES)),
                             load_default=list)


@event_schema("activities", "DutyRotaSet", version=1)
class DutyRotaSetV1(Contract):
    """A school's duty rota was set: who is on duty each weekday at noon and after class,
    from `effective_from` on. revision is the rota's version at the school (1, 2, ...)."""
    school_id = fields.String(**_id)
    revision = fields.Integer(**_revision)
    effective_from = fields.Date(required=True)
    slots = fields.List(fields.Nested(DutySlotFacts), required=True)
    set_by = fields.String(**_id)


@event_schema("activities", "DutySwapped", version=1)
class DutySwappedV1(Contract):
    """On one date and period, `substitute_id` is on duty instead of `staff_id` (代班)."""
    swap_id = fields.String(**_id)
    revision = fields.Integer(**_revision)
    school_id = fields.String(**_id)
    duty_date = fields.Date(required=True)
    period = fields.String(required=True, validate=validate.OneOf(DUTY_PERIODS))
    staff_id = fields.String(**_id)
    substitute_id = fields.String(**_id)
    by = fields.String(**_id)


@event_schema("activities", "DutySessionHeld", version=1, public=dict(
    refs=("session_id",), keep=("revision", "period", "present", "left_behind_present",
                                "staff_present"),
    dates=("held_on",), education=("school_id",)))
class DutySessionHeldV1(Contract):
    """A duty session took place: which staff were there, which children came, what was done.
    on_duty_staff_ids is who the rota (with swaps) had on duty then (empty without a rota);
    off_rota_staff_ids those present who were not on it. Counts are of children recorded
    present; left_behind_present those with an active file then."""
    session_id = fields.String(**_id)
    revision = fields.Integer(**_revision)
    school_id = fields.String(**_id)
    held_on = fields.Date(required=True)
    period = fields.String(required=True, validate=validate.OneOf(DUTY_PERIODS))
    rota_revision = fields.Integer(allow_none=True, load_default=None)
    on_duty_staff_ids = fields.List(fields.String(), load_default=list)
    staff_ids = fields.List(fields.String(), required=True)
    off_rota_staff_ids = fields.List(fields.String(), load_default=list)
    staff_present = fields.Integer(**_count)
    present = fields.Integer(**_count)
    left_behind_present = fields.Integer(**_count)
    present_child_ids = fields.List(fields.String(), load_default=list)
    activities = fields.List(fields.String(validate=validate.OneOf(DUTY_ACTIVITIES)),
                             load_default=list)
    recorded_by = fields.String(**_id)


# -- supplies to many children at once ------------------------------------------------------------
@event_schema("activities", "SuppliesDistributed", version=1, public=dict(
    refs=("distribution_id", "activity_id"),
    keep=("revision", "kind", "child_count", "left_behind_count", "item_kinds",
          "units_per_child", "value_fen_per_child", "donor_type"),
    dates=("held_on",), education=("school_id",)))
class SuppliesDistributedV1(Contract):
    """Supplies (学习用品 ...) were handed out at an activity to the children present: each in
    child_ids once. item_kinds is how many different items, units_per_child how many pieces
    each child got, value_fen_per_child their estimated value (fen) if known. Item names and
    the donor's name stay in the activities database."""
    distribution_id = fields.String(**_id)
    revision = fields.Integer(**_revision)
    activity_id = fields.String(**_id)
    school_id = fields.String(**_id)
    kind = fields.String(required=True, validate=validate.OneOf(ACTIVITY_KINDS))
    occasion = fields.String(allow_none=True, load_default=None, validate=_code)
    held_on = fields.Date(required=True)
    child_ids = fields.List(fields.String(), required=True)
    child_count = fields.Integer(**_count)
    left_behind_count = fields.Integer(**_count)
    item_kinds = fields.Integer(**_count)
    units_per_child = fields.Integer(**_count)
    value_fen_per_child = fields.Integer(allow_none=True, load_default=None,
                                         validate=validate.Range(min=0))
    donor_type = fields.String(required=True, validate=validate.OneOf(DONOR_TYPES))
    distributed_by = fields.String(**_id)


# -- school radio (红领巾广播台) ------------------------------------------------------------------------
_clock = validate.Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
_ids = dict(load_default=list)


@event_schema("activities", "RadioProgrammeSet", version=1)
class RadioProgrammeSetV1(Contract):
    """A school radio programme was set up or changed: its weekly schedule (ISO weekdays,
    Beijing clock times), its announcers (children and staff by id) and what it reads."""
    programme_id = fields.String(**_id)
    revision = fields.Integer(**_revision)
    school_id = fields.String(**_id)
    title = fields.String(required=True, validate=validate.Length(min=1, max=100))
    weekdays = fields.List(fields.Integer(validate=validate.Range(min=1, max=7)),
                           required=True)
    starts_at_time = fields.String(required=True, validate=_clock)
    ends_at_time = fields.String(required=True, validate=_clock)
    announcer_child_ids = fields.List(fields.String(), **_ids)
    announcer_staff_ids = fields.List(fields.String(), **_ids)
    effective_from = fields.Date(required=True)
    ended_on = fields.Date(allow_none=True, load_default=None)
    set_by = fields.String(**_id)


@event_schema("activities", "RadioEpisodeAired", version=1, public=dict(
    refs=("episode_id", "programme_id"), keep=("revision", "episode"), dates=("aired_on",),
    education=("school_id",)))
class RadioEpisodeAiredV1(Contract):
    """One broadcast of a radio programme took place (episode n of its serial reading)."""
    episode_id = fields.String(**_id)
    revision = fields.Integer(**_revision)
    programme_id = fields.String(**_id)
    school_id = fields.String(**_id)
    aired_on = fields.Date(required=True)
    episode = fields.Integer(required=True, validate=validate.Range(min=1))
    announcer_child_ids = fields.List(fields.String(), **_ids)
    announcer_staff_ids = fields.List(fields.String(), **_ids)
    recorded_by = fields.String(**_id)


class DimensionRatings(Contract):
    manners = fields.String(allow_none=True, load_default=None,
                            validate=validate.OneOf(BEHAVIOUR_RATINGS))
    self_care = fields.String(allow_none=True, load_default=None,
                              validate=validate.OneOf(BEHAVIOUR_RATINGS))
    independence = fields.String(allow_none=True, load_default=None,
                                 validate=validate.OneOf(BEHAVIOUR_RATINGS))


@event_schema("activities", "AssessmentRecorded", version=2, public=dict(
    child="child_id", refs=("assessment_id",), keep=("revision", "term", "average_percent",
                                                      "behaviour_rating"),
    education=("school_id",), education_only=True))
class AssessmentRecordedV2(AssessmentRecordedV1):
    """AssessmentRecorded v2: besides grades and behaviour, the dimensions the work summary
    reports (礼貌 manners, 自理 self-care, 自立自强 independence), each rated 优/良/中/差 or not
    rated (null)."""
    dimensions = fields.Nested(DimensionRatings, load_default=dict)


# -- v2 of care records and diary deletions (issue 10) --------------------------------------------
class FollowUpSummary(Contract):
    """How many follow-up actions of a record are still open and when the earliest is due,
    so reminders can be scheduled without reading the notes (their text never leaves)."""
    open_follow_ups = fields.Integer(**_count)
    next_follow_up_due_on = fields.Date(allow_none=True, load_default=None)


_VISIT_PUBLIC = dict(child="child_id", refs=("record_id",),
                     keep=("kind", "by_role", "revision", "duration_minutes"),
                     dates=("occurred_at",), education=("school_id",))


@event_schema("activities", "VisitLogged", version=2, public=_VISIT_PUBLIC)
class VisitLoggedV2(VisitLoggedV1, FollowUpSummary):
    """VisitLogged v2: also the open follow-ups' count and the next due date."""


@event_schema("activities", "VisitRevised", version=2, public=_VISIT_PUBLIC)
class VisitRevisedV2(VisitRevisedV1, FollowUpSummary):
    """VisitRevised v2: also the open follow-ups' count and the next due date."""


@event_schema("activities", "DiaryEntryDeleted", version=2)
class DiaryEntryDeletedV2(DiaryEntryDeletedV1):
    """DiaryEntryDeleted v2: the entry's date and the revision of the deletion (like
    VisitDeleted), so a subscriber orders it after the entry's revisions."""
    entry_date = fields.Date(required=True)
    revision = fields.Integer(**_revision)
