"""Message texts: one Chinese jinja2 template per rule (templates/<rule>.txt), which a county
may replace with its own. First line: the title (e-mail subject, inbox title); the rest: the
body. Templates run sandboxed: a county's text can use the reminder's fields and the filters
below, nothing else.
"""
from datetime import date
from pathlib import Path

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from carekit.contracts.activities import ACTIVITY_KIND_LABELS, CARE_KIND_LABELS
from carekit.contracts.pairing import END_REASONS
from notifications.policy import RULE_NAMES

FOLDER = Path(__file__).with_name("templates")
MAX_LENGTH = 2000

KIND_LABELS = dict(CARE_KIND_LABELS, diary="成长日记")
PAIRING_LABELS = {"mentor": "帮扶教师", "buddy": "手拉手好朋友", "proxy_parent": "代理家长"}
ACTIVITY_LABELS = ACTIVITY_KIND_LABELS
PERIOD_LABELS = {"noon": "午间", "after_school": "下午课后"}

# What each rule's template can use, with sample values for checking a county's text.
SAMPLE = {"child_name": "王小明", "class_name": "三年级1班", "school_name": "花明楼镇中心小学",
          "level": 1, "kind": "talk", "last_date": "2026-03-02", "due_date": "2026-03-16",
          "overdue_days": 8, "mentor_name": "刘老师", "birthday": "2026-05-01", "age": 10,
          "days_left": 3, "since": "2026-02-20", "days": 20, "pairing_kind": "mentor",
          "partner_name": "陈老师", "reason": "teacher_left", "ended_on": "2026-03-01",
          "record_id": "r1", "title": "关爱留守孩子主题队会", "activity_kind": "theme_meeting",
          "held_on": "2026-03-10", "period": "after_school", "place": "操场",
          "duty_date": "2026-03-11", "record_kind": "talk", "by_name": None,
          "record_date": "2026-03-09", "month": 3, "year": 2026, "total": 4,
          "by_kind": {"talk": 2, "parent_call": 1, "home_visit": 1}}


def _china_date(value):
    if not value:
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return "{}月{}日".format(day.month, day.day)


def _environment():
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False,
                               keep_trailing_newline=False)
    env.filters.update(
        china_date=_china_date,
        kind_label=lambda code: KIND_LABELS.get(code, code or ""),
        pairing_label=lambda code: PAIRING_LABELS.get(code, code or ""),
        activity_label=lambda code: ACTIVITY_LABELS.get(code, code or ""),
        period_label=lambda code: PERIOD_LABELS.get(code, code or ""),
        end_reason=lambda code: END_REASONS.get(code, END_REASONS["other"]))
    return env


ENV = _environment()
_compiled = {}


def default_text(rule):
    return (FOLDER / "{}.txt".format(rule)).read_text(encoding="utf-8")


def _template(text):
    if text not in _compiled:
        if len(_compiled) > 500:
            _compiled.clear()
        _compiled[text] = ENV.from_string(text)
    return _compiled[text]


def render(rule, params, county_text=None):
    """(title, body) of a reminder, from the county's text if it has one."""
    text = county_text or default_text(rule)
    rendered = _template(text).render(**params).strip()
    title, _, body = rendered.partition("\n")
    return title.strip(), body.strip() or title.strip()


class TemplateProblem(ValueError):
    pass


def check(rule, text):
    """Refuse a county's text that would not render (unknown field, syntax, too long)."""
    if rule not in RULE_NAMES:
        raise TemplateProblem("没有这个提醒规则：{}".format(rule))
    if not text or len(text) > MAX_LENGTH:
        raise TemplateProblem("模板不能为空，也不能超过{}字".format(MAX_LENGTH))
    if not text.split("\n", 1)[0].strip():
        raise TemplateProblem("模板第一行是标题，不能为空")
    try:
        title, _ = render(rule, SAMPLE, text)
    except TemplateError as exc:
        raise TemplateProblem("模板无法使用：{}".format(exc))
    if not title:
        raise TemplateProblem("模板第一行是标题，不能为空")
    return title
