"""A child file's life: which status changes are allowed, and which commands a status permits.

    active ──(parents_returned / other)──> not_left_behind ──(reactivated)──> active
    active ──(graduated)──> graduated ──(reactivated)──> active
    not_left_behind ──(graduated)──> graduated
A transfer keeps the file active: only an active file can move to another school. A graduated
file is archived: it is read-only until reactivated.
"""
from carekit.errors import Conflict, ValidationFailed
from registry.vocabulary import CHILD_STATUS, STATUS_REASON

TRANSITIONS = {
    ("active", "not_left_behind"): {"parents_returned", "other"},
    ("active", "graduated"): {"graduated"},
    ("not_left_behind", "active"): {"reactivated", "parents_left_again"},
    ("not_left_behind", "graduated"): {"graduated"},
    ("graduated", "active"): {"reactivated"},
}
DEFAULT_REASON = {"not_left_behind": "parents_returned", "graduated": "graduated",
                  "active": "reactivated"}


def check_transition(current, target, reason_code=None):
    """The reason code to record for current -> target, or an error saying why not."""
    if current == target:
        raise Conflict(code="same_status", message="档案已是该状态，无需变更",
                       status=current)
    allowed = TRANSITIONS.get((current, target))
    if allowed is None:
        raise Conflict(code="transition_not_allowed",
                       message="档案不能从「{}」变为「{}」".format(_label(current), _label(target)),
                       status=current, target=target)
    reason_code = reason_code or DEFAULT_REASON[target]
    if reason_code not in allowed:
        raise ValidationFailed.single("reason_code", "reason_not_allowed",
                                      "该状态变更的原因应为：" + "、".join(
                                          _reason_label(r) for r in sorted(allowed)))
    return reason_code


def check_editable(status):
    if status == "graduated":
        raise Conflict(code="file_archived", message="该档案已毕业归档，需先重新启用才能修改")


def check_transferable(status):
    if status != "active":
        raise Conflict(code="not_transferable",
                       message="只有「关爱中」的档案可以转学，当前为「{}」".format(_label(status)))


def _label(status):
    return CHILD_STATUS.get(status, status)


def _reason_label(code):
    return STATUS_REASON.get(code, code)
