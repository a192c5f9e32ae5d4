"""Which pairings a registry change ends, and why.

Decided from the entity's current projected state, never from the event alone: an event
that arrives twice or late then leads to the same outcome as the events in order.
"""
from pairing.model import BUDDY, MENTOR, PROXY, STATUS_END_REASON


def for_child(book, child):
    """[(pairing_id, reason)] in `book` that `child`'s current state ends."""
    ends = []
    for p in book.pairings:
        if p.child_id == child.child_id:
            reason = _child_reason(book, child, p)
        elif p.kind == BUDDY and p.partner_id == child.child_id:
            reason = _buddy_reason(book, child, p)
        else:
            continue
        if reason:
            ends.append((p.pairing_id, reason))
    return ends


def _child_reason(book, child, pairing):
    if child.school_id != book.school_id:
        return "child_transferred"
    if child.status not in STATUS_END_REASON:
        return "child_inactive"
    status_reason = STATUS_END_REASON[child.status]
    if status_reason:
        return status_reason
    if pairing.kind == BUDDY and child.class_id != pairing.class_id:
        return "child_changed_class"  # the friend is no longer a classmate
    return None


def _buddy_reason(book, buddy, pairing):
    # A friend who stops being left-behind is still a classmate: only leaving the class ends it.
    if (buddy.school_id != book.school_id or buddy.status == "graduated"
            or buddy.class_id != pairing.buddy_class_id):
        return "buddy_left"
    return None


def for_teacher(book, teacher):
    """Mentor pairings in `book` ended because the teacher left, moved or stopped teaching."""
    if teacher.can_mentor and teacher.school_id == book.school_id:
        return []
    return [(p.pairing_id, "teacher_left") for p in book.with_partner(teacher.teacher_id, MENTOR)]


def for_volunteer(book, volunteer):
    if volunteer.active and volunteer.school_id == book.school_id:
        return []
    return [(p.pairing_id, "volunteer_left")
            for p in book.with_partner(volunteer.volunteer_id, PROXY)]
