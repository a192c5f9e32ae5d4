"""The class's paper forms, filled from the files: 留守儿童基本情况登记表 (one page per child)
and 手拉手好朋友结对登记卡 (one card per class)."""
from carekit.clock import china_today
from registry import identity, vocabulary as words
from registry.pii import mask_national_id

_NEEDS = ("health", "disability", "psychological")


def _yes_no(value):
    return "" if value is None else ("是" if value else "否")


def _ticks(vocabulary, chosen):
    """[(label, ticked)] for a row of boxes: ■ 年老 □ 体弱 ..."""
    return [(label, code in chosen) for code, label in vocabulary.items()]


def _parent_rows(file):
    away = {p["relation"]: p for p in file.get("parents") or []}
    rows = []
    for relation, label in words.PARENT_RELATION.items():
        parent = away.get(relation)
        rows.append({"relation": label, "away": parent is not None, **({
            "name": parent.get("name"), "occupation": parent.get("occupation"),
            "place": "".join(filter(None, [parent.get("work_province"),
                                           parent.get("work_city")])),
            "phone": parent.get("phone"), "home_frequency": parent.get("home_frequency")}
            if parent else {})})
    return rows


def basic_info_of(file, child_id, around, today=None):
    """One 基本情况登记表: the child, parents, guardian, family, needs and pairings."""
    guardian = file["guardian"]
    situation = guardian.get("situation")
    needs = {n["kind"]: n.get("note") for n in file.get("special_needs") or []}
    born = identity.birth_date_of(file["national_id"])
    return {
        "child_id": child_id, "name": file["name"], "gender": words.GENDER[file["gender"]],
        "birth_date": file["birth_date"],
        "age": identity.age_on(born, today or china_today()),
        "national_id": mask_national_id(file["national_id"]),
        "school_name": around.schools[file["school_id"]]["name"],
        "class_name": around.classes[file["class_id"]]["name"],
        "left_behind_types": _ticks(words.LEFT_BEHIND_TYPE, {file["left_behind_type"]}),
        "migrant": _yes_no(file.get("migrant_left_behind")),
        "boards": _yes_no(file.get("boards_at_school")),
        "lunch": _yes_no(file.get("lunch_at_school")),
        "address": guardian.get("address"),
        "parents": _parent_rows(file),
        "guardian": {"name": guardian.get("name"), "age": guardian.get("age"),
                     "relation": words.label(words.GUARDIAN_RELATION, guardian.get("relation")),
                     "phone": guardian.get("phone"),
                     "situation": [(words.HEALTHY_LABEL, situation == [])] + _ticks(
                         words.GUARDIAN_SITUATION, situation or ()),
                     "literacy": _ticks(words.GUARDIAN_LITERACY, {guardian.get("literacy")})},
        "family_hardship": _yes_no(file.get("family_hardship")),
        "low_income": _yes_no(file.get("low_income_registered")),
        "hardship_note": file.get("hardship_note"),
        "needs": [(words.SPECIAL_NEEDS[kind], kind in needs, needs.get(kind)) for kind in _NEEDS],
        "notes": file.get("notes"),
        "mentor": around.mentor(child_id), "proxy_parent": around.proxy_parent(child_id),
        "buddies": around.buddies_of(child_id, file["class_id"]),
    }


def buddy_card_of(klass, opened, around):
    """The class's 手拉手结对登记卡: every left-behind child of the class with their friends."""
    rows = [{"name": file["name"], "gender": words.GENDER[file["gender"]],
             "buddies": around.buddies_of(child_id, klass["_id"]),
             "mentor": around.mentor(child_id), "proxy_parent": around.proxy_parent(child_id)}
            for child_id, file in opened]
    enrolment = klass.get("enrolment")
    return {
        "school_name": around.schools[klass["school_id"]]["name"], "class_name": klass["name"],
        "head_teacher": around.head_teacher(klass["_id"]), "enrolment": enrolment,
        "left_behind": len(rows),
        "share": "{:.0%}".format(len(rows) / enrolment) if enrolment else None,
        "paired": sum(1 for row in rows if row["buddies"]), "rows": rows,
    }
