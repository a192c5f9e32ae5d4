"""The registry's words: stable codes (shared with the event contract) and their Chinese labels.

Codes travel between programs; labels are what people type into a roster and read on a card.
"""
from carekit.contracts import registry as contract

GENDER = {"male": "男", "female": "女"}
LEFT_BEHIND_TYPE = {"both_parents_away": "父母均外出", "father_away": "父亲外出",
                    "mother_away": "母亲外出"}
CHILD_STATUS = {"active": "关爱中", "not_left_behind": "已不再留守", "graduated": "已毕业"}
STATUS_REASON = {"parents_returned": "父母返乡", "graduated": "毕业", "reactivated": "重新启用",
                 "parents_left_again": "父母再次外出", "other": "其他"}
PARENT_RELATION = {"father": "父亲", "mother": "母亲"}
GUARDIAN_RELATION = {
    "grandfather": "祖父", "grandmother": "祖母",
    "maternal_grandfather": "外祖父", "maternal_grandmother": "外祖母",
    "father": "父亲", "mother": "母亲", "sibling": "兄姐",
    "uncle_aunt": "叔伯姑姨舅", "relative": "其他亲属", "entrusted": "委托人",
}
GUARDIAN_HEALTH = {"healthy": "健康", "elderly": "年老", "weak": "体弱", "sick": "患病",
                   "disabled": "残疾"}
# several at once (老、弱、病、残); none of them reads 健康
GUARDIAN_SITUATION = {"elderly": "年老", "weak": "体弱", "sick": "患病", "disabled": "残疾"}
HEALTHY_LABEL = "健康"
GUARDIAN_LITERACY = {"literate": "识字", "semi_literate": "半文盲", "illiterate": "文盲"}
SPECIAL_NEEDS = {"health": "健康", "disability": "残疾", "psychological": "心理"}
STAFF_ROLES = {"teacher": "教师", "head_teacher": "班主任", "school_admin": "学校管理员"}
VOLUNTEER_KINDS = {"village_committee_member": "村委会成员", "retired_teacher": "退休教师",
                   "other": "其他"}
FORMS = {"contact_card": "联系卡", "basic_info_form": "基本情况登记表",
         "buddy_card": "手拉手结对登记卡"}

# what separates several values in one cell (特殊需要, 监护人身体状况)
LIST_SEPARATORS = r"[、,，;；/\s]+"

GRADE_NAMES = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]

# the labelled vocabularies must be exactly the contract's codes
assert tuple(GENDER) == contract.GENDERS
assert tuple(LEFT_BEHIND_TYPE) == contract.LEFT_BEHIND_TYPES
assert tuple(CHILD_STATUS) == contract.CHILD_STATUSES
assert tuple(GUARDIAN_HEALTH) == contract.GUARDIAN_HEALTH
assert tuple(GUARDIAN_SITUATION) == contract.GUARDIAN_SITUATIONS
assert tuple(GUARDIAN_LITERACY) == contract.GUARDIAN_LITERACY
assert tuple(FORMS) == contract.FORMS
assert tuple(STAFF_ROLES) == contract.STAFF_ROLES
assert tuple(VOLUNTEER_KINDS) == contract.VOLUNTEER_KINDS
assert tuple(SPECIAL_NEEDS) == contract.SPECIAL_NEEDS
assert tuple(STATUS_REASON) == contract.STATUS_REASONS


def class_name(grade, number):
    """三年级2班"""
    return "{}年级{}班".format(GRADE_NAMES[grade - 1], number)


def label(vocabulary, code, default=""):
    return vocabulary.get(code, default) if code else default
