"""Words on the pages: the services' own labels for their codes (imported, not copied),
notices after a form, and date formatting in China time."""
from datetime import date, datetime, timedelta, timezone

from activities.domain import (ACTIVITY_KIND_LABELS, BY_ROLE_LABELS, CARE_KIND_LABELS,
                               DIARY_TOPIC_LABELS)
from pairing.policy import SCOPE_LABELS as MENTOR_SCOPES
from registry.vocabulary import (CHILD_STATUS, GENDER, GRADE_NAMES, GUARDIAN_RELATION,
                                 LEFT_BEHIND_TYPE, PARENT_RELATION)

CHINA = timezone(timedelta(hours=8))
CARE_KINDS = CARE_KIND_LABELS
ACTIVITY_KINDS = ACTIVITY_KIND_LABELS
# the kinds a teacher picks most, first on the contact form
QUICK_KINDS = ("home_visit", "talk", "parent_call", "family_video_call", "study_guidance")
WELLBEING = {1: "很差", 2: "较差", 3: "一般", 4: "较好", 5: "很好"}
RELATIONS = {"mentee": "结对", "proxy_child": "代理", "class": "本班"}
PAIRING_KINDS = {"mentor": "帮扶教师", "buddy": "手拉手好朋友", "proxy_parent": "代理家长"}
IMPORT_MODES = {"all_or_nothing": "全部正确才导入（有错误则一行也不导入）",
                "valid_rows_only": "只导入正确的行（错误的行列出，改后再导）"}
AUDIT_ACTIONS = {"read": "查看", "change": "修改", "reveal": "查看完整信息", "print": "打印",
                 "import": "导入", "export": "导出"}
AUDIT_OUTCOMES = {"ok": "成功", "denied": "拒绝", "out_of_scope": "超出范围",
                  "not_found": "不存在", "rejected": "内容有误", "error": "出错"}
TIMELINE_ICONS = {"care_record": "关爱", "diary": "日记", "activity": "活动", "award": "获奖"}
NOTICES = {
    "contact": "关爱记录已保存", "diary": "成长日记已保存", "duplicate": "该表单已提交过，未重复保存",
    "applied": "结对方案已执行", "discarded": "结对方案已放弃", "policy": "政策已保存",
    "recommended": "典型儿童已推荐", "attendance": "考勤已保存", "scheduled": "活动已安排",
    "account": "账号已创建", "read": "提醒已标为已读",
}
FIELD_NAMES = {
    "kind": "类型", "occurred_at": "时间", "duration_minutes": "时长", "notes": "情况记录",
    "wellbeing": "孩子状态", "place": "地点", "entry_date": "日期", "study": "学习",
    "mood": "情绪", "behaviour": "行为", "health": "健康", "file": "文件", "mode": "导入方式",
    "content_base64": "文件内容", "reason": "理由", "username": "用户名", "password": "密码",
}


def china(value, fmt="%Y-%m-%d %H:%M"):
    """An ISO moment (or datetime) as China time; a plain date as it is."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(CHINA).strftime(fmt)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def day(value):
    return china(value, "%m月%d日")


def class_name(grade, number):
    if not grade:
        return ""
    names = GRADE_NAMES
    return "{}年级{}班".format(names[grade - 1] if 0 < grade <= len(names) else grade,
                            number or "")


def today():
    return datetime.now(CHINA).date()


def now_local():
    """This minute in China, as a datetime-local input wants it."""
    return datetime.now(CHINA).strftime("%Y-%m-%dT%H:%M")


def birthday_in(birth_date, days=7):
    """Days until the next birthday when it falls within `days` (0 = today), else None."""
    if not birth_date:
        return None
    born = date.fromisoformat(str(birth_date)[:10])
    now = today()
    for offset in range(days):
        d = now + timedelta(days=offset)
        if (d.month, d.day) == (born.month, born.day):
            return offset
    return None


def label(mapping, code):
    return mapping.get(code, code or "")


FILTERS = {"china": china, "day": day,
           "care_kind": lambda c: label(CARE_KIND_LABELS, c),
           "status": lambda c: label(CHILD_STATUS, c),
           "gender": lambda c: label(GENDER, c),
           "guardian_relation": lambda c: label(GUARDIAN_RELATION, c),
           "parent_relation": lambda c: label(PARENT_RELATION, c),
           "left_behind": lambda c: label(LEFT_BEHIND_TYPE, c),
           "by_role": lambda c: label(BY_ROLE_LABELS, c),
           "topic": lambda c: label(DIARY_TOPIC_LABELS, c),
           "activity_kind": lambda c: label(ACTIVITY_KIND_LABELS, c),
           "pairing_kind": lambda c: label(PAIRING_KINDS, c),
           "relation": lambda c: label(RELATIONS, c),
           "mentor_scope": lambda c: label(MENTOR_SCOPES, c),
           "wellbeing": lambda c: label(WELLBEING, c),
           "audit_action": lambda c: label(AUDIT_ACTIONS, c),
           "audit_outcome": lambda c: label(AUDIT_OUTCOMES, c)}
