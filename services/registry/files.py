"""The child file (一生一档) as plain data: build it, check it whole, merge changes, diff it.

A "file" here is the clear form (national ID and phones readable); registry.pii seals it
before it is stored. Dates are ISO strings so a file is JSON as it stands.
"""
import copy
import uuid

from carekit.clock import china_today, iso
from registry import identity
from registry.pii import mask_national_id, mask_phone

# The fields of a file, in display order, with the words a person reads in the history.
FIELD_LABELS = {
    "name": "姓名", "national_id": "身份证号", "gender": "性别", "birth_date": "出生日期",
    "school_id": "学校", "class_id": "班级", "township_id": "乡镇", "grade": "年级",
    "class_number": "班号", "left_behind_type": "留守类型", "status": "状态",
    "household_id": "家庭户", "family_hardship": "家庭困难", "low_income_registered": "低保户",
    "hardship_note": "困难情况说明", "special_needs": "特殊需要", "notes": "备注",
    "migrant_left_behind": "流动留守", "boards_at_school": "住校", "lunch_at_school": "在校就餐",
    "guardian.name": "监护人姓名", "guardian.relation": "监护人关系", "guardian.age": "监护人年龄",
    "guardian.situation": "监护人身体状况", "guardian.health": "监护人健康状况",
    "guardian.literacy": "监护人文化程度",
    "guardian.phone": "监护人电话", "guardian.address": "家庭住址",
}
PARENT_FIELD_LABELS = {"name": "姓名", "work_province": "务工省份", "work_city": "务工城市",
                       "occupation": "职业", "phone": "电话", "home_frequency": "回家频率"}
PARENT_LABELS = {"father": "父亲", "mother": "母亲"}
SCALARS = ("name", "national_id", "gender", "birth_date", "left_behind_type",
           "family_hardship", "low_income_registered", "hardship_note", "notes",
           "migrant_left_behind", "boards_at_school", "lunch_at_school")
FLAGS = ("family_hardship", "low_income_registered", "migrant_left_behind")  # False if unsaid
OPTIONAL_FLAGS = ("boards_at_school", "lunch_at_school")                   # None: unknown
AWAY_PARENTS = {"both_parents_away": {"father", "mother"}, "father_away": {"father"},
                "mother_away": {"mother"}}
MAX_CHILD_AGE = 18


def new_child_id():
    return uuid.uuid4().hex


def new_file(data, klass, household_id):
    """A file from validated ChildInput data and the class it belongs to."""
    national_id = data["national_id"]
    file = {key: iso(data.get(key)) for key in SCALARS}
    file.update(
        gender=data.get("gender") or identity.gender_of(national_id),
        birth_date=iso(data.get("birth_date")) or identity.birth_date_of(national_id).isoformat(),
        parents=[dict(p) for p in data.get("parents") or []],
        guardian=guardian_of(data["guardian"]),
        special_needs=[dict(n) for n in data.get("special_needs") or []],
        household_id=household_id, status="active")
    file.update(placement(klass))
    return file


def guardian_of(guardian):
    """The guardian as a file keeps it: `situation` (a list, None if not recorded) in place of
    the single `health` of files written before it."""
    guardian = dict(guardian or {})
    health = guardian.pop("health", None)
    if "situation" not in guardian:
        guardian["situation"] = None if health is None else (
            [] if health == "healthy" else [health])
    return guardian


def flags_of(file):
    """The file's yes/no facts as booleans (stored ones may come back as 1/0 or be absent)."""
    for flag in FLAGS:
        file[flag] = bool(file.get(flag))
    for flag in OPTIONAL_FLAGS:
        file[flag] = None if file.get(flag) is None else bool(file[flag])
    return file


def health_of(situation):
    """The one-value guardian_health of the v1 contract: healthy, or the most serious fact."""
    if situation is None:
        return None
    return situation[-1] if situation else "healthy"


def placement(klass):
    """Where the child sits: the class, its school and township."""
    return {"school_id": klass["school_id"], "class_id": klass["_id"],
            "township_id": klass["township_id"], "grade": klass["grade"],
            "class_number": klass["number"]}


def merge_changes(file, changes):
    """The file after ChildChanges data: guardian merged key by key, parents merged by
    relation (a parent left out of the list is no longer away), everything else replaced."""
    merged = copy.deepcopy(file)
    for key, value in changes.items():
        if key in ("expected_version", "class_id"):
            continue
        if key == "guardian":
            merged["guardian"] = guardian_of(dict(merged.get("guardian") or {}, **value))
        elif key == "parents":
            known = {p["relation"]: p for p in merged.get("parents") or []}
            merged["parents"] = [dict(known.get(p["relation"], {}), **p) for p in value]
        elif key == "special_needs":
            merged[key] = [dict(n) for n in value]
        else:
            merged[key] = iso(value)
    # a new ID brings its gender and birth date; a cleared one (null) is read from the ID, as
    # at registration
    if ("national_id" in changes and "gender" not in changes) or merged.get("gender") is None:
        merged["gender"] = identity.gender_of(merged["national_id"])
    if ("national_id" in changes and "birth_date" not in changes) \
            or merged.get("birth_date") is None:
        merged["birth_date"] = identity.birth_date_of(merged["national_id"]).isoformat()
    return merged


def problems(file, today=None):
    """Rules over the whole file -> [{'field', 'code', 'message'}] (empty when fine)."""
    today = today or china_today()
    found = []

    def problem(field, code, message):
        found.append({"field": field, "code": code, "message": message})

    national_id = file["national_id"]
    id_birth = identity.birth_date_of(national_id)
    if file.get("birth_date") and file["birth_date"] != id_birth.isoformat():
        problem("birth_date", "birth_date_mismatch",
                "出生日期与身份证号不一致（身份证号为{}）".format(id_birth.isoformat()))
    if file.get("gender") and file["gender"] != identity.gender_of(national_id):
        problem("gender", "gender_mismatch", "性别与身份证号不一致")
    age = identity.age_on(id_birth, today)
    if age >= MAX_CHILD_AGE:
        problem("national_id", "not_a_child", "按身份证号已满{}周岁，不属于留守儿童登记范围".format(
            MAX_CHILD_AGE))
    relations = [p["relation"] for p in file.get("parents") or []]
    away = AWAY_PARENTS[file["left_behind_type"]]
    for index, relation in enumerate(relations):
        if relations.index(relation) != index:
            problem("parents.{}.relation".format(index), "duplicate_parent",
                    "{}登记了两次".format(PARENT_LABELS[relation]))
        elif relation not in away:
            problem("parents.{}.relation".format(index), "parent_not_away",
                    "留守类型与外出父母不符：{}未外出务工".format(PARENT_LABELS[relation]))
    kinds = [n["kind"] for n in file.get("special_needs") or []]
    if len(set(kinds)) != len(kinds):
        problem("special_needs", "duplicate_need", "特殊需要重复登记")
    return found


# -- history -------------------------------------------------------------------------------------
def _flatten(file):
    flat = {}
    for key, value in file.items():
        if key == "guardian":
            for g_key, g_value in (value or {}).items():
                flat["guardian." + g_key] = g_value
        elif key == "parents":
            for parent in value or []:
                for p_key, p_value in parent.items():
                    if p_key != "relation":
                        flat["parents.{}.{}".format(parent["relation"], p_key)] = p_value
                flat["parents.{}".format(parent["relation"])] = "外出"
        elif key == "special_needs":
            flat[key] = sorted((n["kind"], n.get("note") or "") for n in value or [])
        else:
            flat[key] = value
    return flat


def is_sensitive(field):
    return field == "national_id" or field.endswith(".phone")


def _shown(field, value):
    if value is None or not is_sensitive(field):
        return value
    return mask_national_id(value) if field == "national_id" else mask_phone(value)


def field_label(field):
    if field.startswith("parents."):
        parts = field.split(".")
        return PARENT_LABELS.get(parts[1], parts[1]) + (
            PARENT_FIELD_LABELS.get(parts[2], parts[2]) if len(parts) > 2 else "外出务工")
    return FIELD_LABELS.get(field, field)


def diff(old, new):
    """[{'field', 'label', 'old', 'new'}] for every changed leaf; ID and phones masked."""
    before, after = _flatten(old), _flatten(new)
    changes = []
    for field in sorted(set(before) | set(after)):
        if before.get(field) != after.get(field):
            changes.append({"field": field, "label": field_label(field),
                            "old": _shown(field, before.get(field)),
                            "new": _shown(field, after.get(field))})
    return changes


def history_entry(action, by, at, changes=(), **extra):
    entry = {"id": uuid.uuid4().hex, "at": at, "by": by, "action": action,
             "changes": list(changes)}
    entry.update({k: v for k, v in extra.items() if v is not None})
    return entry


# -- what leaves the registry --------------------------------------------------------------------
def snapshot(child_id, version, file):
    """The snapshot every child event carries (v2: contract ChildSnapshot + _ChildFactsV2; no
    ID number, names or phones of adults)."""
    guardian = file.get("guardian") or {}
    return {
        "child_id": child_id, "version": version, "name": file["name"],
        "gender": file["gender"], "birth_date": file["birth_date"],
        "school_id": file["school_id"], "class_id": file["class_id"],
        "township_id": file["township_id"], "grade": file["grade"],
        "class_number": file["class_number"], "left_behind_type": file["left_behind_type"],
        "status": file["status"], "household_id": file["household_id"],
        "guardian_relation": guardian.get("relation"),
        "guardian_health": health_of(guardian.get("situation")),
        "guardian_situation": guardian.get("situation"),
        "guardian_literacy": guardian.get("literacy"),
        "family_hardship": bool(file.get("family_hardship")),
        "low_income_registered": bool(file.get("low_income_registered")),
        "migrant_left_behind": bool(file.get("migrant_left_behind")),
        "boards_at_school": file.get("boards_at_school"),
        "lunch_at_school": file.get("lunch_at_school"),
        "special_needs": sorted({n["kind"] for n in file.get("special_needs") or []}),
        "parents": [{k: p.get(k) for k in ("relation", "work_province", "work_city",
                                            "occupation", "home_frequency")}
                    for p in file.get("parents") or []],
    }


def masked(file):
    """The file as shown by default: ID number and phones masked."""
    shown = copy.deepcopy(file)
    shown["national_id"] = mask_national_id(shown.get("national_id"))
    for parent in shown.get("parents") or []:
        parent["phone"] = mask_phone(parent.get("phone"))
    if shown.get("guardian"):
        shown["guardian"]["phone"] = mask_phone(shown["guardian"].get("phone"))
    return shown
