"""Child files (一生一档): lists within reach, the file (masked; full ID and phones only for
roles that need them, with a reason the registry records), changes, status, transfer,
history, contact cards (联系卡), and a teacher's or volunteer's own children."""
from datetime import datetime

from carekit.clock import china_date, china_today
from gateway import errors, views
from gateway.authorisation import (ADMINS, CARERS, COUNTY_ADMIN, HEAD_TEACHER, TEACHERS,
                                   VOLUNTEER, allow, require_reveal)
from gateway.dispatch import FileResult
from gateway.paging import page
from gateway.routing import PDF, route
from gateway.schemas import ChildBody, ChildChanges, ChildrenQuery, ReasonQuery, RevealQuery, \
    StatusBody, TransferBody

TAG = "儿童档案"
SUMMARY_FIELDS = ("id", "name", "gender", "birth_date", "school_id", "class_id", "grade",
                  "class_number", "status", "left_behind_type")


def _files_in_reach(call):
    """The files a teacher or volunteer reaches, without a school or class named: the
    classes they head or teach, and their mentees or entrusted children, found in their
    school's list (both lists shared by everyone for a few seconds: Scope.children_of)."""
    reach = call.scope.reach()
    files = {}
    for class_id in sorted(reach.class_ids):
        files.update((f["id"], f) for f in call.scope.children_of(class_id=class_id))
    others = reach.child_ids - set(files)
    if others and call.principal.school_id:
        school = {f["id"]: f for f in call.scope.children_of(school_id=call.principal.school_id)}
        files.update((c, school[c]) for c in others if c in school)
    missing = sorted(reach.child_ids - set(files))
    for child_id, reply in zip(missing, call.registry.gather_settled(
            "get_child", [(c,) for c in missing])):
        if not isinstance(reply, Exception):  # a pairing may outlive the file's visibility
            files[child_id] = reply
    return call.scope.filter_children(list(files.values()))


def list_children(call):
    q, p = call.query, call.principal
    if q.get("class_id"):
        call.scope.klass(q["class_id"])
        files = call.scope.children_of(class_id=q["class_id"], status=q.get("status"))
    elif q.get("school_id"):
        call.scope.school(q["school_id"])
        files = call.scope.children_of(school_id=q["school_id"], status=q.get("status"))
    elif p.role in TEACHERS or p.role == VOLUNTEER:
        files = [f for f in _files_in_reach(call)
                 if not q.get("status") or f["status"] == q["status"]]
    elif p.school_id:
        files = call.scope.children_of(school_id=p.school_id, status=q.get("status"))
    else:
        raise errors.Invalid.single("school_id", "required", "请指定学校或班级")
    result = page(call.scope.filter_children(files), q["cursor"], q["limit"])
    call.note(child_ids=[f["id"] for f in result["items"]])
    return result


def caller_scope(call):
    """The schools the caller reaches: a refusal names another school only within them."""
    return {"school_ids": [s["id"] for s in call.scope.schools()]}


def register_child(call):
    child = call.registry.register_child(call.forward(school_id=call.target["id"]),
                                         caller_scope(call))
    call.deps.lookups.children_changed()
    return child


def get_child(call):
    if not call.query.get("reveal"):
        return call.target
    reason = call.query.get("reason")
    require_reveal(call.principal, reason)
    call.note(action="reveal", reason=reason)
    return call.registry.get_child(call.target["id"], {"reveal": True, "reason": reason})


def update_child(call):
    child = call.registry.update_child(call.target["id"], call.sent, caller_scope(call))
    call.deps.lookups.children_changed(call.target["id"])
    return child


def change_status(call):
    result = call.registry.change_child_status(call.target["id"], call.sent)
    call.deps.lookups.forget_reach()
    call.deps.lookups.children_changed(call.target["id"])
    return result


def transfer_child(call):
    destination = call.body["to_school_id"]
    p = call.principal
    if not call.scope.in_county(destination):
        raise errors.Invalid.single("to_school_id", "unknown_school", "转入学校不存在或不在本县")
    if p.role != COUNTY_ADMIN and not call.scope.sees_school_id(call.target["school_id"]):
        raise errors.Forbidden()
    result = call.registry.transfer_child(call.target["id"], call.sent)
    call.deps.lookups.forget_reach()
    call.deps.lookups.children_changed(call.target["id"])
    return result


def child_history(call):
    return {"items": call.registry.child_history(call.target["id"]), "next_cursor": None}


def contact_card(call):
    reason = call.query["reason"]
    call.note(action="print", reason=reason)
    card = call.registry.contact_card(call.target["id"], reason)
    return _pdf(card)


def class_contact_cards(call):
    reason = call.query["reason"]
    klass = call.target
    files = call.scope.children_of(class_id=klass["id"], status="active")
    call.note(action="print", reason=reason, child_ids=[f["id"] for f in files])
    return _pdf(call.registry.class_contact_cards(klass["id"], reason))


def basic_info_form(call):
    reason = call.query["reason"]
    call.note(action="print", reason=reason)
    return _pdf(call.registry.basic_info_form(call.target["id"], reason))


def class_basic_info_forms(call):
    reason = call.query["reason"]
    call.note(action="print", reason=reason, child_ids=[f["id"] for f in call.scope.children_of(
        class_id=call.target["id"], status="active")])
    return _pdf(call.registry.class_basic_info_forms(call.target["id"], reason))


def buddy_cards(call):
    call.note(action="print", child_ids=[f["id"] for f in call.scope.children_of(
        class_id=call.target["id"], status="active")])
    return _pdf(call.registry.buddy_card(call.target["id"]))


def _pdf(answer):
    import base64
    return FileResult(base64.b64decode(answer["content_base64"]), answer["filename"], PDF)


def transferred_out(call):
    traces = call.registry.every_page("transferred_out", {"school_id": call.target["id"]})
    call.note(child_ids=[t["child_id"] for t in traces])
    return {"items": traces, "next_cursor": None}


def my_children(call):
    """A teacher's or volunteer's home list: each child within reach, how they are related
    (mentee, proxy child, class) and the last contact."""
    files = _files_in_reach(call)
    reach = call.scope.reach()
    contacts = {}
    if files:
        answer = call.activities.last_contacts({"child_ids": [f["id"] for f in files]})
        contacts = {c["child_id"]: c for c in answer["children"]}
    relation = "proxy_child" if call.principal.role == VOLUNTEER else "mentee"
    items = []
    for file in files:
        summary = {k: file.get(k) for k in SUMMARY_FIELDS}
        summary["relations"] = ([relation] if file["id"] in reach.child_ids else []) + (
            ["class"] if file.get("class_id") in reach.class_ids else [])
        summary["last_contact"] = (contacts.get(file["id"]) or {}).get("last")
        summary["days_since_contact"] = _days_since(summary["last_contact"])
        items.append(summary)
    items.sort(key=lambda s: (s["relations"][:1] != [relation], s.get("grade") or 0,
                              s.get("class_number") or 0, s.get("name") or ""))
    call.note(child_ids=[s["id"] for s in items])
    return {"items": items, "next_cursor": None}


def _days_since(contact):
    """Whole days (China dates) since a contact, None when there was none."""
    if not contact:
        return None
    at = datetime.fromisoformat(contact["at"].replace("Z", "+00:00"))
    return (china_today() - china_date(at)).days


_child = dict(target="child")
ROUTES = [
    route("list_children", "GET", "/api/children", allow(CARERS), list_children,
          "儿童档案列表（本人可见范围；身份证号、电话已遮蔽）", TAG, query=ChildrenQuery,
          response=views.Child, many=True, audit=True),
    route("my_children", "GET", "/api/me/children", allow(TEACHERS | {VOLUNTEER}),
          my_children, "我的孩子（结对、代理和任教班级的儿童，含最近联系）", TAG,
          response=views.ChildSummary, many=True, audit=True),
    route("register_child", "POST", "/api/schools/<id:school_id>/children",
          allow(ADMINS, target="school"), register_child, "登记儿童档案", TAG, body=ChildBody,
          response=views.Child, status=201, audit=True),
    route("get_child", "GET", "/api/children/<id:child_id>", allow(CARERS, **_child),
          get_child, "儿童档案（默认遮蔽；reveal=true 且填写理由可查看完整身份证号和电话）", TAG,
          query=RevealQuery, response=views.Child, audit=True),
    route("update_child", "PATCH", "/api/children/<id:child_id>",
          allow(ADMINS | {HEAD_TEACHER}, **_child), update_child, "修改儿童档案", TAG,
          body=ChildChanges, response=views.Child, audit=True),
    route("change_child_status", "POST", "/api/children/<id:child_id>/status",
          allow(ADMINS, **_child), change_status, "变更状态（父母返乡、毕业、重新纳入）", TAG,
          body=StatusBody, response=views.Child, audit=True),
    route("transfer_child", "POST", "/api/children/<id:child_id>/transfer",
          allow(ADMINS, **_child), transfer_child, "转学（县内）", TAG, body=TransferBody,
          response=views.Child, audit=True),
    route("child_history", "GET", "/api/children/<id:child_id>/history",
          allow(ADMINS, **_child), child_history, "档案变更历史", TAG,
          response=views.HistoryEntry, many=True, audit=True),
    route("contact_card", "GET", "/api/children/<id:child_id>/contact-card",
          allow(ADMINS | TEACHERS, **_child), contact_card, "打印联系卡（PDF，须填写理由）", TAG,
          query=ReasonQuery, produces=(PDF,), audit=True),
    route("class_contact_cards", "GET", "/api/classes/<id:class_id>/contact-cards",
          allow(ADMINS | {HEAD_TEACHER}, target="class"), class_contact_cards,
          "打印全班联系卡（PDF，须填写理由）", TAG, query=ReasonQuery, produces=(PDF,), audit=True),
    route("basic_info_form", "GET", "/api/children/<id:child_id>/basic-info-form",
          allow(ADMINS | TEACHERS, **_child), basic_info_form,
          "打印留守儿童基本情况登记表（PDF，须填写理由）", TAG, query=ReasonQuery, produces=(PDF,),
          audit=True),
    route("class_basic_info_forms", "GET", "/api/classes/<id:class_id>/basic-info-forms",
          allow(ADMINS | {HEAD_TEACHER}, target="class"), class_basic_info_forms,
          "打印全班基本情况登记表（PDF，须填写理由）", TAG, query=ReasonQuery, produces=(PDF,),
          audit=True),
    route("buddy_cards", "GET", "/api/classes/<id:class_id>/buddy-cards",
          allow(ADMINS | {HEAD_TEACHER}, target="class"), buddy_cards,
          "打印手拉手好朋友结对登记卡（PDF）", TAG, produces=(PDF,), audit=True),
    route("transferred_out", "GET", "/api/schools/<id:school_id>/transferred-out",
          allow(ADMINS, target="school"), transferred_out, "已转出的儿童（只读记录）", TAG,
          response=views.Object, many=True, audit=True),
]
