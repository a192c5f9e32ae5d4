"""The audit log: every read and change of a child's data through the gateway — who, when,
what, from where, and how it ended (PIPL art. 51 asks for such access records).

Append-only: this module inserts and reads, nothing else; no route and no function updates
or deletes an entry. Each entry's `_id` starts with its time in milliseconds, so the log
reads in time order and pages on `_id`. Only the county admin queries and exports it
(CSV for any spreadsheet, or .xlsx).
"""
import csv
import io
import time
import uuid
from datetime import datetime, timedelta, timezone

from openpyxl import Workbook
from openpyxl.styles import Font
from pymongo import ASCENDING, DESCENDING, IndexModel

from carekit.clock import CHINA_TZ

AUDIT_LOG = "audit_log"
INDEXES = {AUDIT_LOG: [IndexModel([("actor", ASCENDING)]),
                       IndexModel([("target_id", ASCENDING)]),
                       IndexModel([("child_ids", ASCENDING)]),
                       IndexModel([("county_id", ASCENDING)])]}

OUTCOME_LABELS = {"ok": "成功", "denied": "拒绝（无权限）", "out_of_scope": "拒绝（超出范围）",
                  "not_found": "不存在", "rejected": "内容有误", "error": "出错"}
ACTION_LABELS = {"read": "查看", "change": "修改", "reveal": "查看完整信息", "print": "打印",
                 "import": "导入", "export": "导出", "login": "登录"}
COLUMNS = [("at", "时间（北京时间）"), ("actor", "用户"), ("role", "角色"), ("ip", "来源地址"),
           ("action", "操作"), ("route", "接口"), ("method", "方法"), ("path", "地址"),
           ("target_type", "对象类型"), ("target_id", "对象编号"), ("child_ids", "涉及儿童"),
           ("reason", "理由"), ("outcome", "结果"), ("status", "HTTP 状态")]
EXPORT_LIMIT = 100000


def outcome_of(status, out_of_scope=False):
    if out_of_scope:
        return "out_of_scope"
    if status < 300:
        return "ok"
    if status in (401, 403):
        return "denied"
    if status == 404:
        return "not_found"
    if status < 500:
        return "rejected"
    return "error"


def new_entry_id(now):
    return "{:013d}-{}".format(int(now * 1000), uuid.uuid4().hex[:12])


class AuditLog:
    def __init__(self, db, clock=time.time):
        self.collection = db[AUDIT_LOG]
        self.clock = clock

    def record(self, **entry):
        now = self.clock()
        entry["_id"] = new_entry_id(now)
        entry["at"] = datetime.fromtimestamp(now, timezone.utc)
        entry["child_ids"] = sorted(set(entry.get("child_ids") or []))
        self.collection.insert_one(entry)
        return entry["_id"]

    @staticmethod
    def query_of(county_id, filters):
        query = {"county_id": county_id}
        for key in ("actor", "action", "outcome", "target_id", "route"):
            if filters.get(key):
                query[key] = filters[key]
        if filters.get("child_id"):
            query["child_ids"] = {"$in": [filters["child_id"]]}
        span = {}
        if filters.get("date_from"):
            span["$gte"] = _day_start(filters["date_from"])
        if filters.get("date_to"):
            span["$lt"] = _day_start(filters["date_to"] + timedelta(days=1))
        if span:
            query["_id"] = span
        return query

    def page(self, county_id, filters, cursor=None, limit=50):
        """Newest first; `cursor` is the last `_id` of the previous page."""
        query = self.query_of(county_id, filters)
        if cursor:
            query["_id"] = dict(query.get("_id") or {}, **{"$lt": cursor})
        docs = list(self.collection.find(query).sort("_id", DESCENDING).limit(limit + 1))
        more = len(docs) > limit
        return [view(d) for d in docs[:limit]], (docs[limit - 1]["_id"] if more else None)

    def rows(self, county_id, filters):
        query = self.query_of(county_id, filters)
        for doc in self.collection.find(query).sort("_id", ASCENDING).limit(EXPORT_LIMIT):
            yield view(doc)


def _day_start(day):
    """A China date -> the `_id` prefix of its first millisecond."""
    start = datetime(day.year, day.month, day.day, tzinfo=CHINA_TZ)
    return "{:013d}".format(int(start.timestamp() * 1000))


def view(doc):
    out = {k: v for k, v in doc.items() if k != "_id"}
    out["id"] = doc["_id"]
    at = doc["at"]
    if isinstance(at, str):  # a MongoDB stand-in may give datetimes back as text
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    out["at"] = at.astimezone(timezone.utc).isoformat()
    out["at_china"] = at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")
    out["child_ids"] = list(doc.get("child_ids") or [])
    return out


def _cell(row, key):
    if key == "at":
        return row["at_china"]
    if key == "child_ids":
        return " ".join(row.get("child_ids") or [])
    if key == "outcome":
        return OUTCOME_LABELS.get(row.get("outcome"), row.get("outcome"))
    if key == "action":
        return ACTION_LABELS.get(row.get("action"), row.get("action"))
    value = row.get(key)
    return "" if value is None else str(value)


def to_csv(rows):
    """UTF-8 with a byte-order mark, so Excel opens the Chinese headers correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label for _, label in COLUMNS])
    for row in rows:
        writer.writerow([_safe(_cell(row, key)) for key, _ in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(rows):
    book = Workbook()
    sheet = book.active
    sheet.title = "审计日志"
    sheet.append([label for _, label in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_safe(_cell(row, key)) for key, _ in COLUMNS])
    for column, width in zip("ABCDEFGHIJKLMN", (20, 14, 12, 15, 10, 22, 8, 40, 12, 34, 34,
                                                 20, 14, 8)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _safe(text):
    """A cell a spreadsheet will not run as a formula (CSV/formula injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
