"""My reminders (notifications service): overdue contact, birthdays, children waiting for a
mentor … Staff and volunteers read their own inbox; the county's admins and analyst read the
bureau's (recipient `county`)."""
from marshmallow import Schema, fields, validate

from gateway import views
from gateway.authorisation import ALL, ANALYST, COUNTY_ADMIN, allow
from gateway.routing import route

TAG = "消息提醒"


class InboxQuery(Schema):
    unread_only = fields.Boolean(load_default=False)
    cursor = fields.String(load_default=None, validate=validate.Length(max=200))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


def recipient(principal):
    """Whose inbox the caller reads, or None (a township admin without a staff record)."""
    if principal.person_id:
        return {"recipient_type": principal.person_type, "recipient_id": principal.person_id}
    if principal.role in (COUNTY_ADMIN, ANALYST):
        return {"recipient_type": "county", "recipient_id": principal.county_id}
    return None


def my_inbox(call):
    who = recipient(call.principal)
    if who is None:
        return {"items": [], "next_cursor": None, "unread": 0}
    query = {k: v for k, v in call.raw_query.items() if v is not None}
    return call.notifications.inbox(dict(query, **who))


def _mark(call, **which):
    who = recipient(call.principal)
    if who is not None:
        call.notifications.mark_read(dict(who, **which))


def mark_read(call):
    _mark(call, notification_ids=[call.path["notification_id"]])


def mark_all_read(call):
    _mark(call, all=True)


ROUTES = [
    route("my_inbox", "GET", "/api/me/inbox", allow(ALL), my_inbox,
          "我的提醒（逾期未联系、生日、待结对等；县教育局账号看教育局收件箱）", TAG,
          query=InboxQuery, response=views.Object),
    route("mark_read", "POST", "/api/me/inbox/<note:notification_id>/read", allow(ALL),
          mark_read, "标记一条提醒为已读", TAG, status=204),
    route("mark_all_read", "POST", "/api/me/inbox/read-all", allow(ALL), mark_all_read,
          "全部标为已读", TAG, status=204),
]
