"""Accounts (admins create and manage them within their own scope) and the audit log
(the county admin queries and exports it)."""
from gateway import audit, errors, views
from gateway.accounts import CREATES, PERSON_REQUIRED, PERSON_TYPE, SCOPE_LEVEL, manages, \
    public_view, scope_query
from gateway.authorisation import ACCOUNT_ADMINS, COUNTY_ONLY, allow
from gateway.dispatch import FileResult
from gateway.routing import CSV, XLSX, route
from gateway.schemas import AccountBody, AccountChanges, AccountQuery, AuditExportQuery, \
    AuditQuery, PasswordReset

TAG_ACCOUNTS, TAG_AUDIT = "账号管理", "审计日志"
# which registry staff roles an account role may be linked to
STAFF_ROLES_FOR = {"teacher": {"teacher", "head_teacher"}, "head_teacher": {"head_teacher"},
                   "school_admin": {"school_admin"}}


def list_accounts(call):
    query = scope_query(call.principal.as_dict())
    query.update({k: call.query[k] for k in ("role", "school_id") if call.query.get(k)})
    docs, cursor = call.deps.accounts.page(query, call.query["cursor"], call.query["limit"])
    return {"items": [public_view(d) for d in docs], "next_cursor": cursor}


def _target_scope(call, body):
    """The county, township and school of the account to create, checked against reach."""
    p, level = call.principal, SCOPE_LEVEL[body["role"]]
    scope = {"county_id": p.county_id, "township_id": None, "school_id": None}
    if level == "township":
        township_id = body.get("township_id") or p.township_id
        townships = {t["id"] for t in call.registry.every_page(
            "list_townships", {"county_id": p.county_id})}
        if township_id not in townships:
            raise errors.Invalid.single("township_id", "unknown_township", "乡镇不存在或不在本县")
        scope["township_id"] = township_id
    elif level == "school":
        school_id = body.get("school_id") or p.school_id
        if not school_id:
            raise errors.Invalid.single("school_id", "required", "请选择学校")
        try:
            school = call.scope.school(school_id)
        except errors.NotFound:
            call.scope.denied = None  # a form error, not an attempt on a child's data
            raise errors.Invalid.single("school_id", "unknown_school", "学校不存在或不在您的管理范围内")
        scope.update(township_id=school["township_id"], school_id=school["id"])
    return scope


def _person(call, body, scope):
    role = body["role"]
    wanted = PERSON_TYPE.get(role)
    given = "staff" if body.get("staff_id") else "volunteer" if body.get("volunteer_id") else None
    if given and given != wanted:
        raise errors.Invalid.single("{}_id".format(given), "wrong_person_type",
                                    "该角色不能关联{}".format("教职工" if given == "staff" else "志愿者"))
    if not given:
        if role in PERSON_REQUIRED:
            field = "{}_id".format(wanted)
            raise errors.Invalid.single(field, "person_required", "该角色须关联本人的登记记录")
        return {}
    person_id = body["{}_id".format(given)]
    field = "{}_id".format(given)
    try:
        person = (call.registry.get_staff if given == "staff" else call.registry.get_volunteer)(
            person_id)
    except errors.ApiError as exc:
        if exc.status in (404, 422):
            raise errors.Invalid.single(field, "unknown_person", "找不到该登记记录")
        raise
    if person.get("school_id") != scope["school_id"] or not person.get("active"):
        raise errors.Invalid.single(field, "person_not_in_school", "该人员不在所选学校或已离开")
    if given == "staff" and not STAFF_ROLES_FOR[role] & set(person.get("roles") or []):
        raise errors.Invalid.single(field, "role_mismatch", "该教职工在学籍系统中的职务与所选角色不符")
    return {"person_type": given, "person_id": person_id}


def create_account(call):
    p, body = call.principal, call.body
    if body["role"] not in CREATES.get(p.role, ()):
        raise errors.Forbidden(code="role_not_allowed", message="您不能创建该角色的账号")
    scope = _target_scope(call, body)
    target = dict(scope, role=body["role"])
    if not manages(p.as_dict(), target):
        raise errors.Forbidden(code="outside_scope", message="只能在本人管理范围内创建账号")
    data = dict(target, username=body["username"], display_name=body["display_name"],
                **_person(call, body, scope))
    doc = call.deps.accounts.create(data, body["password"], created_by=p.username)
    return public_view(doc)


def get_account(call):
    return public_view(call.target)


def change_account(call):
    username = call.target["_id"]
    changes = dict(call.body)
    if changes.get("active") is False and username == call.principal.username:
        raise errors.Conflict(code="cannot_disable_self", message="不能停用自己的账号")
    if not changes:
        return public_view(call.target)
    doc = call.deps.accounts.update(username, changes)
    if changes.get("active") is False:
        call.deps.sessions.close_all(username)
    if "display_name" in changes:
        call.deps.sessions.renamed(username, changes["display_name"])
    return public_view(doc)


def reset_password(call):
    username = call.target["_id"]
    call.deps.accounts.set_password(username, call.body["new_password"])
    call.deps.sessions.close_all(username)
    call.deps.guard.succeeded(username)


def unlock_account(call):
    call.deps.guard.succeeded(call.target["_id"])


def query_audit(call):
    q = call.query
    if q.get("date_from") and q.get("date_to") and q["date_to"] < q["date_from"]:
        raise errors.Invalid.single("date_to", "before_start", "结束日期不能早于开始日期")
    items, cursor = call.deps.audit.page(call.principal.county_id, q, q["cursor"], q["limit"])
    return {"items": items, "next_cursor": cursor}


def export_audit(call):
    rows = list(call.deps.audit.rows(call.principal.county_id, call.query))
    call.note(action="export", target=("audit_log", None), force=True,
              detail={"rows": len(rows), "format": call.query["format"]})
    if call.query["format"] == "csv":
        return FileResult(audit.to_csv(rows), "审计日志.csv", "text/csv; charset=utf-8")
    return FileResult(audit.to_xlsx(rows), "审计日志.xlsx", XLSX)


_account = dict(target="account", param="username")
ROUTES = [
    route("list_accounts", "GET", "/api/accounts", allow(ACCOUNT_ADMINS), list_accounts,
          "本人管理范围内的账号", TAG_ACCOUNTS, query=AccountQuery, response=views.Account,
          many=True),
    route("create_account", "POST", "/api/accounts", allow(ACCOUNT_ADMINS), create_account,
          "创建账号（只能在本人管理范围内）", TAG_ACCOUNTS, body=AccountBody,
          response=views.Account, status=201),
    route("get_account", "GET", "/api/accounts/<user:username>",
          allow(ACCOUNT_ADMINS, **_account), get_account, "查看账号", TAG_ACCOUNTS,
          response=views.Account),
    route("change_account", "PATCH", "/api/accounts/<user:username>",
          allow(ACCOUNT_ADMINS, **_account), change_account, "修改账号（姓名、停用/启用）",
          TAG_ACCOUNTS, body=AccountChanges, response=views.Account),
    route("reset_password", "POST", "/api/accounts/<user:username>/password",
          allow(ACCOUNT_ADMINS, **_account), reset_password, "重置账号密码", TAG_ACCOUNTS,
          body=PasswordReset, status=204),
    route("unlock_account", "POST", "/api/accounts/<user:username>/unlock",
          allow(ACCOUNT_ADMINS, **_account), unlock_account, "解除登录锁定", TAG_ACCOUNTS,
          status=204),
    route("query_audit", "GET", "/api/audit", allow(COUNTY_ONLY), query_audit,
          "查询审计日志（最新在前）", TAG_AUDIT, query=AuditQuery, response=views.AuditEntry,
          many=True),
    route("export_audit", "GET", "/api/audit/export", allow(COUNTY_ONLY), export_audit,
          "导出审计日志（.xlsx 或 .csv）", TAG_AUDIT, query=AuditExportQuery,
          produces=(XLSX, CSV)),
]
