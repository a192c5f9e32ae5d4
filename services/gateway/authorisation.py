"""Who may do what: every route of the table declares a Rule, and `authorise` /
`resolve_target` below are the only place rules are applied (the dispatcher calls them for
every request, before the route's handler runs).

- Roles: the route's `roles`; anyone else gets 403 (401 without a login).
- Target: when the route names an object (a school, a class, a child, a care record …),
  the Scope looks it up and checks it lies within the caller's reach. Outside it, the answer
  is the same 404 as for an object that does not exist (existence does not leak), and the
  attempt is written to the audit log as `out_of_scope`.

Reach by role: county staff (admin, analyst) the county; township admin the township;
school admin the school; head teachers and teachers the classes they head or teach and the
children they mentor; volunteers the children entrusted to them (proxy parent); the analyst
reaches schools, never a child.
"""
from dataclasses import dataclass
from typing import Optional

from gateway import errors

COUNTY_ADMIN, TOWNSHIP_ADMIN, SCHOOL_ADMIN = "county_admin", "township_admin", "school_admin"
HEAD_TEACHER, TEACHER, VOLUNTEER, ANALYST = "head_teacher", "teacher", "volunteer", "analyst"

ALL = frozenset({COUNTY_ADMIN, TOWNSHIP_ADMIN, SCHOOL_ADMIN, HEAD_TEACHER, TEACHER, VOLUNTEER,
                 ANALYST})
ADMINS = frozenset({COUNTY_ADMIN, TOWNSHIP_ADMIN, SCHOOL_ADMIN})
ACCOUNT_ADMINS = ADMINS
TEACHERS = frozenset({HEAD_TEACHER, TEACHER})
SCHOOL_STAFF = frozenset({SCHOOL_ADMIN, HEAD_TEACHER, TEACHER})
STAFF_AND_ADMINS = ADMINS | TEACHERS
CARERS = ADMINS | TEACHERS | {VOLUNTEER}          # everyone who may see a child
AUTHORS = TEACHERS | {VOLUNTEER, SCHOOL_ADMIN}    # who logs care and writes the diary
AGGREGATES = ADMINS | {ANALYST}                   # counts without children's names
COUNTY_ONLY = frozenset({COUNTY_ADMIN})

# Full national ID and phone numbers: only these roles, only with a reason (registry records it)
REVEAL_ROLES = frozenset({COUNTY_ADMIN, SCHOOL_ADMIN})


@dataclass(frozen=True)
class Rule:
    roles: frozenset = frozenset()
    target: Optional[str] = None   # what the route names, resolved by Scope.resolve
    param: Optional[str] = None    # the path value or body field naming it
    public: bool = False

    def describe(self):
        if self.public:
            return "公开（无需登录）"
        from gateway.accounts import ROLES
        text = "角色：" + "、".join(ROLES[r] for r in sorted(self.roles))
        if self.target:
            text += "；对象须在本人范围内（否则 404）"
        return text


PUBLIC = Rule(public=True)


def allow(roles, target=None, param=None):
    roles = frozenset(roles)
    assert roles <= ALL and roles, "a rule names known roles"
    if target and not param:
        param = "{}_id".format(target)
    return Rule(roles=roles, target=target, param=param)


@dataclass
class Principal:
    """The authenticated caller."""
    username: str
    role: str
    display_name: str
    county_id: Optional[str] = None
    township_id: Optional[str] = None
    school_id: Optional[str] = None
    person_type: Optional[str] = None
    person_id: Optional[str] = None
    via: str = "session"                # or "token"
    credential_id: Optional[str] = None  # session digest or token id
    csrf_token: Optional[str] = None

    @classmethod
    def of(cls, account, via, credential_id, csrf_token=None):
        return cls(username=account["_id"], role=account["role"],
                   display_name=account["display_name"], county_id=account.get("county_id"),
                   township_id=account.get("township_id"), school_id=account.get("school_id"),
                   person_type=account.get("person_type"), person_id=account.get("person_id"),
                   via=via, credential_id=credential_id, csrf_token=csrf_token)

    def as_dict(self):
        return dict(vars(self))

    def context_data(self):
        """What services receive in nameko context data: `user_id` (the registry writes it
        into history and its PII audit) and the caller's role and scope."""
        data = {"user_id": self.username, "user_role": self.role,
                "scope_county_id": self.county_id, "scope_township_id": self.township_id,
                "scope_school_id": self.school_id}
        if self.person_id:
            data["{}_id".format(self.person_type)] = self.person_id
        return {k: v for k, v in data.items() if v is not None}

    @property
    def actor_id(self):
        """Who a change is recorded as in the services: the staff or volunteer record when
        the account has one, else the username."""
        return self.person_id or self.username


def authorise(call):
    """Before anything else of the route runs: a login when needed, and the role."""
    rule = call.route.rule
    if rule.public:
        return
    if call.principal is None:
        raise errors.Unauthenticated()
    if call.principal.role not in rule.roles:
        raise errors.Forbidden()


def resolve_target(call):
    """After the input is valid: the object the route names, if within reach (else 404)."""
    rule = call.route.rule
    if rule.public or not rule.target:
        return None
    ident = call.path.get(rule.param)
    if ident is None and isinstance(call.body, dict):
        ident = call.body.get(rule.param)
    if ident is None:
        ident = (call.query or {}).get(rule.param)
    if ident is None:
        raise errors.Invalid.single(rule.param, "required", "必填项不能为空")
    call.target = call.scope.resolve(rule.target, ident)
    return call.target


def require_reveal(principal, reason):
    """Full ID and phone numbers: the role must be one that needs them, and a reason given."""
    if principal.role not in REVEAL_ROLES:
        raise errors.Forbidden(code="reveal_not_allowed",
                               message="您的角色不能查看完整身份证号和电话号码")
    if not reason or len(reason.strip()) < 2:
        raise errors.Invalid.single("reason", "reason_required", "查看完整身份证号和电话需填写理由")
