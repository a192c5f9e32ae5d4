"""Rules for pairing by hand. Each check returns every broken rule at once, as
{field, code, message}: the admin fixes them all in one go. Nothing here touches storage.
"""


def error(field, code, message):
    return {"field": field, "code": code, "message": message}


def _child_errors(child, field="child_id"):
    if child is None:
        return [error(field, "unknown_child", "找不到该儿童的档案")]
    if not child.in_programme:
        return [error(field, "child_not_in_programme",
                       "{}已不在关爱范围内（已不再留守或已毕业），不能结对".format(child.name))]
    return []


def mentor_assignment(child, teacher, policy, current=None, load=0, replace=False):
    """May `teacher` (any active staff member) become `child`'s mentor? `current`: the
    child's mentor pairing now; `load`: the places the staff member holds; `replace`: the
    current mentor is released."""
    errors = _child_errors(child)
    if teacher is None:
        errors.append(error("teacher_id", "unknown_teacher", "找不到该教职工"))
    elif not teacher.can_mentor:
        errors.append(error("teacher_id", "teacher_inactive",
                             "{}已离职或停用，不能担任帮扶教师".format(teacher.name)))
    if errors:
        return errors
    if teacher.school_id != child.school_id:
        errors.append(error("teacher_id", "different_school",
                             "帮扶教师必须与儿童同校：{}不在该儿童所在学校".format(teacher.name)))
    if current is not None and current.partner_id == teacher.teacher_id:
        errors.append(error("teacher_id", "already_paired",
                             "{}已经是{}的帮扶教师".format(teacher.name, child.name)))
        return errors
    if current is not None and not replace:
        errors.append(error("child_id", "already_has_mentor",
                             "{}已有帮扶教师（{}），每名儿童只能有一位帮扶教师；如需更换请选择“更换”"
                             .format(child.name, current.partner_name or current.partner_id)))
    if load >= policy.max_mentees:
        errors.append(error("teacher_id", "teacher_full",
                             "{}已结对 {} 名学生，达到每位教师最多 {} 名的上限".format(
                                 teacher.name, load, policy.max_mentees)))
    return errors


def buddy_pairing(child, existing, policy, buddy_child=None, buddy_name=None,
                  buddy_class_id=None, friend_load=0):
    """May this classmate become `child`'s hand-in-hand friend? A registered child is named
    by id; any other pupil by name (and class, which defaults to the child's). `existing`:
    the child's friends now; `friend_load`: how many children the classmate befriends."""
    errors = _child_errors(child)
    if errors:
        return errors
    if buddy_child is not None or buddy_name is None:
        if buddy_child is None:
            return [error("buddy_child_id", "unknown_child", "找不到该同学的档案")]
        if buddy_child.child_id == child.child_id:
            return [error("buddy_child_id", "self_buddy", "不能与自己结为手拉手好朋友")]
        if buddy_child.class_id != child.class_id or buddy_child.school_id != child.school_id:
            errors.append(error("buddy_child_id", "not_classmate",
                                 "手拉手好朋友必须是同班同学：{}不在{}的班级".format(
                                     buddy_child.name, child.name)))
        elif buddy_child.status == "graduated":
            errors.append(error("buddy_child_id", "buddy_graduated",
                                 "{}已毕业".format(buddy_child.name)))
        field, same = "buddy_child_id", lambda p: p.partner_id == buddy_child.child_id
        friend = buddy_child.name
    else:
        if (buddy_class_id or child.class_id) != child.class_id:
            errors.append(error("buddy_class_id", "not_classmate",
                                 "手拉手好朋友必须是同班同学"))
        field, friend = "buddy_name", buddy_name
        same = lambda p: p.partner_id is None and p.partner_name == buddy_name  # noqa: E731
    if any(same(p) for p in existing):
        errors.append(error(field, "already_paired", "已经是{}的手拉手好朋友".format(child.name)))
    elif friend_load >= policy.buddy_max_children:
        errors.append(error(field, "buddy_full",
                             "{}已是 {} 名留守儿童的手拉手好朋友，达到县里规定的上限".format(
                                 friend, friend_load)))
    return errors


def proxy_assignment(child, volunteer, current=None, replace=False):
    """May `volunteer` become `child`'s proxy parent (代理家长)? `current`: the child's proxy
    parent pairing now."""
    errors = _child_errors(child)
    if volunteer is None:
        errors.append(error("volunteer_id", "unknown_volunteer", "找不到该志愿者"))
    elif not volunteer.active:
        errors.append(error("volunteer_id", "volunteer_inactive",
                             "{}已不再担任志愿者".format(volunteer.name)))
    if errors:
        return errors
    if volunteer.school_id != child.school_id:
        errors.append(error("volunteer_id", "different_school",
                             "代理家长须是儿童所在学校登记的志愿者"))
    if current is not None and current.partner_id == volunteer.volunteer_id:
        errors.append(error("volunteer_id", "already_paired",
                             "{}已经是{}的代理家长".format(volunteer.name, child.name)))
    elif current is not None and not replace:
        errors.append(error("child_id", "already_has_proxy_parent",
                             "{}已有代理家长（{}）；如需更换请选择“更换”".format(
                                 child.name, current.partner_name or current.partner_id)))
    return errors


def release(pairing, kind):
    """[] if `pairing` is an active pairing of `kind`, else the error to show."""
    if pairing is None or not pairing.active or pairing.kind != kind:
        return [error("pairing_id", "not_active", "找不到该结对，或该结对已经解除")]
    return []


def priority_recommendation(policy, class_children, chosen_ids):
    """A class's recommended priority children (重点帮扶对象): 4-5 by county policy, fewer
    only when the class has fewer children in the programme."""
    in_class = {c.child_id: c for c in class_children}
    errors = []
    for index, child_id in enumerate(chosen_ids):
        child = in_class.get(child_id)
        if child is None:
            errors.append(error("child_ids.{}".format(index), "not_in_class",
                                 "该儿童不在本班"))
        elif not child.in_programme:
            errors.append(error("child_ids.{}".format(index), "child_not_in_programme",
                                 "{}已不在关爱范围内".format(child.name)))
    if len(set(chosen_ids)) != len(chosen_ids):
        errors.append(error("child_ids", "duplicate", "名单中有重复的儿童"))
    eligible = sum(1 for c in class_children if c.in_programme)
    wanted_min = min(policy.priority_per_class_min, eligible)
    if len(chosen_ids) > policy.priority_per_class_max:
        errors.append(error("child_ids", "too_many", "每班最多推荐 {} 名重点儿童".format(
            policy.priority_per_class_max)))
    elif len(chosen_ids) < wanted_min:
        errors.append(error("child_ids", "too_few", "每班应推荐 {} - {} 名重点儿童".format(
            policy.priority_per_class_min, policy.priority_per_class_max)))
    return errors


def policy_errors(policy):
    """Cross-field checks of a county policy (each field's range is checked on input)."""
    errors = []
    if policy.min_mentees > policy.max_mentees:
        errors.append(error("min_mentees", "min_above_max",
                             "每位教师结对下限不能大于上限（{}）".format(policy.max_mentees)))
    if policy.priority_per_class_min > policy.priority_per_class_max:
        errors.append(error("priority_per_class_min", "min_above_max",
                             "每班推荐人数下限不能大于上限（{}）".format(
                                 policy.priority_per_class_max)))
    return errors
