"""Which pairings (and recommendations) a registry change ends, and why.

Decided from the entity's current projected state, never from the event alone: an event
that arrives twice or late then leads to the same outcome as the events in order. A pairing
remembers the registry versions it was made against, and a state no newer than those never
ends it (so a read model being rebuilt from old events does not undo today's pairings).
"""
from pairing.model import BUDDY, MENTOR, PROXY, STATUS_END_REASON


def for_child(pairings, child):
    """[(pairing, reason)] among active `pairings` that `child`'s current state ends: the
    child's own pairings, and those where the child is the friend."""
    ends = []
    for p in pairings:
        if p.child_id == child.child_id and child.version > p.child_version:
            reason = _child_reason(child, p)
        elif (p.kind == BUDDY and p.partner_id == child.child_id
              and child.version > p.partner_version):
            reason = _buddy_reason(child, p)
        else:
            continue
        if reason:
            ends.append((p, reason))
    return ends


def _child_reason(child, pairing):
    if child.school_id != pairing.school_id:
        return "child_transferred"
    if child.status not in STATUS_END_REASON:
        return "child_inactive"
    status_reason = STATUS_END_REASON[child.status]
    if status_reason:
        return status_reason
    if pairing.kind == BUDDY and child.class_id != pairing.class_id:
        return "child_changed_class"  # the friend is no longer a classmate
    return None


def _buddy_reason(buddy, pairing):
    # A friend who stops being left-behind is still a classmate: only leaving the class ends it.
    if (buddy.school_id != pairing.school_id or buddy.status == "graduated"
            or buddy.class_id != pairing.buddy_class_id):
        return "buddy_left"
    return None


def for_teacher(pairings, teacher):
    """Mentor pairings ended because the staff member left or moved school."""
    if teacher.can_mentor:
        return [(p, "teacher_left") for p in pairings if p.kind == MENTOR
                and p.partner_id == teacher.teacher_id and p.school_id != teacher.school_id
                and teacher.version > p.partner_version]
    return [(p, "teacher_left") for p in pairings if p.kind == MENTOR
            and p.partner_id == teacher.teacher_id and teacher.version > p.partner_version]


def for_volunteer(pairings, volunteer):
    return [(p, "volunteer_left") for p in pairings
            if p.kind == PROXY and p.partner_id == volunteer.volunteer_id
            and volunteer.version > p.partner_version
            and (not volunteer.active or volunteer.school_id != p.school_id)]


def withdrawals(lists, child):
    """[(class_id, reason)]: class lists `child` is on but no longer belongs to. `lists`:
    the recommendation lists of the child's schools (storage.ClassList)."""
    out = []
    for entry in sorted(lists, key=lambda e: e.class_id):
        version = entry.versions.get(child.child_id)
        if version is None or child.version <= version:
            continue
        if child.school_id != entry.school_id:
            reason = "child_transferred"
        elif not child.in_programme:
            reason = STATUS_END_REASON.get(child.status) or "child_inactive"
        elif child.class_id != entry.class_id:
            reason = "child_changed_class"
        else:
            continue
        out.append((entry.class_id, reason))
    return out
