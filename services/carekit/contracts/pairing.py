"""Events published by the pairing service (结对帮扶).

Who consumes them: activities (is this person the child's mentor / proxy parent?), registry
(the mentor on the contact card), notifications (a child lost a mentor: tell someone; a class
recommended its priority children), reporting (coverage, loads, reasons, recommendations).

Versions: PairingPolicyChanged v2 (the policy is per county and says who gets a mentor) is
published since v2 exists; v1 stays here, unchanged, so events already logged can be read
and replayed. A consumer reads both: v2 only adds fields.

Rules of the contract
- Every pairing has a `pairing_id`; its start event and its end event carry the same id and
  the same descriptive fields, so a consumer can build the record from either one. Key your
  projection by `pairing_id` and keep an ended id ended even if its start arrives later.
- Every end of a pairing emits the kind's own end event (MentorReleased, BuddyUnpaired,
  ProxyParentReleased) with a `reason`: that stream alone tells the current state.
- When the end was not a person's decision but a registry change (teacher left, child
  transferred, no longer left-behind, graduated, volunteer left), PairingEnded is emitted as
  well, in the same write: it is the "this child must be re-paired, tell someone" signal.
  Do not add both streams together when counting ends.
- Names are given where a reader needs them; never a national ID, phone or address.
- `reason` values are codes (lower_snake_case); known ones are listed in END_REASONS and
  ASSIGN_REASONS, and new codes may be added without a new version, so treat unknown codes
  as "other".
"""
from marshmallow import Schema, fields, validate

from carekit.events import event_schema

KINDS = ("mentor", "buddy", "proxy_parent")
SOURCES = ("manual", "plan")

# Why a pairing ended. Person's decision: released, reassigned, teacher_request,
# family_request, other. Registry change (also emits PairingEnded): the rest.
END_REASONS = {
    "released": "管理员解除结对",
    "reassigned": "更换帮扶人",
    "teacher_request": "教师申请解除",
    "family_request": "家庭申请解除",
    "other": "其他原因",
    "teacher_left": "教师离职或调离",
    "volunteer_left": "志愿者不再服务",
    "child_transferred": "儿童转学",
    "child_not_left_behind": "儿童不再是留守儿童（父母返乡等）",
    "child_graduated": "儿童毕业",
    "child_inactive": "儿童档案停用",
    "buddy_left": "手拉手好朋友已转学或离开本班",
    "child_changed_class": "儿童调班，好朋友不再同班",
}
# Why a recommendation (重点推荐) was withdrawn. A person: withdrawn, replaced (the class sent
# a new list without the child). A registry change: the rest.
WITHDRAW_REASONS = {
    "withdrawn": "班级撤回推荐",
    "replaced": "班级重新推荐，名单中已无该儿童",
    "child_transferred": "儿童转学",
    "child_changed_class": "儿童调班",
    "child_not_left_behind": "儿童不再是留守儿童",
    "child_graduated": "儿童毕业",
    "child_inactive": "儿童档案停用",
}
# Who gets a mentor teacher (county policy): the children each class recommends (两份总结：
# 每班推荐4—5名典型学生与教师结对), or every left-behind child (每一位老师都与留守孩子结对子).
MENTOR_SCOPES = ("recommended", "all")
# Why the planner (or an admin) chose this mentor.
ASSIGN_REASONS = {
    "manual": "管理员指定",
    "sibling_mentor": "与兄弟姐妹同一位帮扶教师",
    "head_teacher": "本班班主任",
    "class_teacher": "本班任课教师",
    "school_teacher": "本校帮扶负担较轻的教师",
}



def _code():
    return fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$"))


_id = dict(required=True, validate=validate.Length(min=1, max=64))
_name = dict(load_default=None, allow_none=True, validate=validate.Length(max=64))


class _Pairing(Schema):
    """What every pairing event says about the pairing."""

    pairing_id = fields.String(**_id)
    child_id = fields.String(**_id)
    child_name = fields.String(**_name)
    school_id = fields.String(**_id)
    class_id = fields.String(load_default=None, allow_none=True)
    started_on = fields.Date(required=True)
    source = fields.String(load_default="manual", validate=validate.OneOf(SOURCES))
    plan_id = fields.String(load_default=None, allow_none=True)
    by = fields.String(load_default=None, allow_none=True)  # user id: who started / ended it


class _Mentor(_Pairing):
    teacher_id = fields.String(**_id)
    teacher_name = fields.String(**_name)


class _Buddy(_Pairing):
    # The friend is a classmate: a registered child (buddy_child_id) or any other student,
    # recorded by name and class only.
    buddy_child_id = fields.String(load_default=None, allow_none=True)
    buddy_name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    buddy_class_id = fields.String(load_default=None, allow_none=True)


class _ProxyParent(_Pairing):
    volunteer_id = fields.String(**_id)
    volunteer_name = fields.String(**_name)


class _Ending(Schema):
    ended_on = fields.Date(required=True)
    reason = _code()
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


@event_schema("pairing", "MentorAssigned", version=1, public=dict(
    child="child_id", refs=("pairing_id",), keep=("source", "reason"),
    dates=("started_on",), education=("school_id",)))
class MentorAssignedV1(_Mentor):
    """A teacher became a child's mentor (帮扶教师)."""

    reason = _code()  # ASSIGN_REASONS: why this teacher


@event_schema("pairing", "MentorReleased", version=1, public=dict(
    child="child_id", refs=("pairing_id",), keep=("source", "reason"),
    dates=("started_on", "ended_on"), education=("school_id",)))
class MentorReleasedV1(_Mentor, _Ending):
    """A mentor pairing ended (any cause; reason says which)."""


@event_schema("pairing", "BuddyPaired", version=1, public=dict(
    child="child_id", refs=("pairing_id",), keep=("source",),
    dates=("started_on",), education=("school_id",)))
class BuddyPairedV1(_Buddy):
    """A classmate became the child's hand-in-hand friend (手拉手好朋友)."""


@event_schema("pairing", "BuddyUnpaired", version=1, public=dict(
    child="child_id", refs=("pairing_id",), keep=("source", "reason"),
    dates=("started_on", "ended_on"), education=("school_id",)))
class BuddyUnpairedV1(_Buddy, _Ending):
    """A hand-in-hand friendship pairing ended."""


@event_schema("pairing", "ProxyParentAssigned", version=1, public=dict(
    child="child_id", refs=("pairing_id",), keep=("source",),
    dates=("started_on",), education=("school_id",)))
class ProxyParentAssignedV1(_ProxyParent):
    """A volunteer became the child's proxy parent (代理家长)."""


@event_schema("pairing", "ProxyParentReleased", version=1, public=dict(
    child="child_id", refs=("pairing_id",), keep=("source", "reason"),
    dates=("started_on", "ended_on"), education=("school_id",)))
class ProxyParentReleasedV1(_ProxyParent, _Ending):
    """A proxy-parent pairing ended."""


@event_schema("pairing", "PairingEnded", version=1, public=dict(
    child="child_id", refs=("pairing_id",), keep=("kind", "source", "reason", "needs_repairing"),
    dates=("started_on", "ended_on"), education=("school_id",)))
class PairingEndedV1(_Pairing, _Ending):
    """A pairing ended because of a registry change, not a person's decision; the child is
    back in the unpaired pool for this kind and someone should act."""

    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    partner_id = fields.String(load_default=None, allow_none=True)  # teacher/volunteer/buddy child
    partner_name = fields.String(**_name)
    needs_repairing = fields.Boolean(load_default=True)  # false when the child left the programme


@event_schema("pairing", "PairingPolicyChanged", version=1, public=dict(keep=(
    "policy_version", "max_mentees", "min_mentees", "priority_per_class_min",
    "priority_per_class_max", "head_teacher_first", "buddies_per_child",
    "proxy_parent_required", "over_capacity_teachers")))
class PairingPolicyChangedV1(Schema):
    """The county pairing policy changed (结对政策)."""

    policy_version = fields.Integer(required=True, validate=validate.Range(min=1))
    max_mentees = fields.Integer(required=True)
    min_mentees = fields.Integer(required=True)
    priority_per_class_min = fields.Integer(required=True)
    priority_per_class_max = fields.Integer(required=True)
    head_teacher_first = fields.Boolean(required=True)
    buddies_per_child = fields.Integer(required=True)
    proxy_parent_required = fields.Boolean(required=True)
    over_capacity_teachers = fields.Integer(required=True)  # count; the RPC returns the list
    by = fields.String(load_default=None, allow_none=True)


@event_schema("pairing", "PairingPolicyChanged", version=2)
class PairingPolicyChangedV2(PairingPolicyChangedV1):
    """A county's pairing policy changed (结对政策). v2: the policy belongs to one county
    (`county_id`), says who gets a mentor (`mentor_scope`) and how many left-behind children
    one classmate may be the friend of (`buddy_max_children`)."""

    county_id = fields.String(**_id)
    mentor_scope = fields.String(required=True, validate=validate.OneOf(MENTOR_SCOPES))
    buddy_max_children = fields.Integer(required=True, validate=validate.Range(min=1))


class _Recommendation(Schema):
    class_id = fields.String(**_id)
    school_id = fields.String(**_id)
    child_ids = fields.List(fields.String(validate=validate.Length(min=1, max=64)),
                            required=True)
    by = fields.String(load_default=None, allow_none=True)  # user id


@event_schema("pairing", "PriorityRecommended", version=1)
class PriorityRecommendedV1(_Recommendation):
    """A class recommended its priority children (每班推荐4—5名典型学生): `child_ids` is the
    class's whole list now, `added` those new to it. Children dropped from the list in the
    same step are announced by PriorityWithdrawn (reason `replaced`) in the same write."""

    added = fields.List(fields.String(validate=validate.Length(min=1, max=64)), required=True)
    recommended_on = fields.Date(required=True)  # China date


@event_schema("pairing", "PriorityWithdrawn", version=1)
class PriorityWithdrawnV1(_Recommendation):
    """Children were taken off a class's priority list (`child_ids`: those withdrawn), by a
    person or because the registry changed (WITHDRAW_REASONS; unknown codes mean "other")."""

    reason = _code()
    withdrawn_on = fields.Date(required=True)  # China date
