"""Accounts: who may log in, with which role, over which part of the county, and which
staff or volunteer record of the registry they are.

| role           | scope    | linked record          | creates accounts for                     |
|----------------|----------|------------------------|------------------------------------------|
| county_admin   | county   | -                      | every role in the county                 |
| analyst        | county   | -                      | -                                        |
| township_admin | township | -                      | school staff and volunteers of its schools|
| school_admin   | school   | staff (optional)       | teachers and volunteers of the school    |
| head_teacher   | school   | staff (required)       | -                                        |
| teacher        | school   | staff (required)       | -                                        |
| volunteer      | school   | volunteer (required)   | -                                        |

An account's `_id` is its username; accounts are disabled, never deleted, so a username is
never reused and can stand for the person in every service's history (`user_id`). A staff or
volunteer record belongs to at most one account (`person_links`, keyed by the record).

The first county admin: python -m gateway.cli create-admin --username NAME --county-code
430124 (the password is asked for, or read from stdin with --password-stdin).
"""
import re
import time
import uuid
from datetime import datetime, timezone

from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from gateway import errors, passwords

ACCOUNTS, PERSON_LINKS = "accounts", "person_links"

ROLES = {
    "county_admin": "县教育局管理员",
    "township_admin": "乡镇管理员",
    "school_admin": "学校管理员",
    "head_teacher": "班主任",
    "teacher": "教师",
    "volunteer": "代理家长（志愿者）",
    "analyst": "数据分析员（只读统计）",
}
SCOPE_LEVEL = {"county_admin": "county", "analyst": "county", "township_admin": "township",
               "school_admin": "school", "head_teacher": "school", "teacher": "school",
               "volunteer": "school"}
PERSON_TYPE = {"school_admin": "staff", "head_teacher": "staff", "teacher": "staff",
               "volunteer": "volunteer"}
PERSON_REQUIRED = {"head_teacher", "teacher", "volunteer"}
CREATES = {
    "county_admin": set(ROLES),
    "township_admin": {"school_admin", "head_teacher", "teacher", "volunteer"},
    "school_admin": {"head_teacher", "teacher", "volunteer"},
}
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,31}$")
SCOPE_FIELDS = ("county_id", "township_id", "school_id")

INDEXES = {
    ACCOUNTS: [IndexModel([("county_id", ASCENDING)]), IndexModel([("school_id", ASCENDING)]),
               IndexModel([("township_id", ASCENDING)])],
}


def now_utc():
    return datetime.now(timezone.utc)


def public_view(doc):
    """An account as the API shows it: never the hash or the lock counters."""
    return {"username": doc["_id"], "display_name": doc["display_name"], "role": doc["role"],
            "role_label": ROLES[doc["role"]], "county_id": doc.get("county_id"),
            "township_id": doc.get("township_id"), "school_id": doc.get("school_id"),
            "person_type": doc.get("person_type"), "person_id": doc.get("person_id"),
            "active": bool(doc.get("active")),
            "created_at": _iso(doc.get("created_at")), "created_by": doc.get("created_by")}


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def manages(admin, target):
    """May `admin` (an account or principal, as a dict) create or change an account with
    role and scope `target`?"""
    if target["role"] not in CREATES.get(admin["role"], ()):
        return False
    if target.get("county_id") != admin.get("county_id"):
        return False
    if admin["role"] == "township_admin":
        return target.get("township_id") == admin.get("township_id")
    if admin["role"] == "school_admin":
        return target.get("school_id") == admin.get("school_id")
    return True


def scope_query(admin):
    """The accounts an admin may list."""
    level = SCOPE_LEVEL[admin["role"]]
    return {"{}_id".format(level): admin["{}_id".format(level)]}


class AccountStore:
    def __init__(self, db):
        self.db = db
        self.accounts = db[ACCOUNTS]

    def get(self, username):
        return self.accounts.find_one({"_id": username})

    def create(self, data, password, created_by):
        """Store a new account (data: username, display_name, role, scope ids, person);
        the password is checked against the rule and hashed."""
        found = passwords.problems(password, data["username"])
        if found:
            raise errors.Invalid(errors=[{"field": "password", "code": code, "message": msg}
                                         for code, msg in found])
        doc = {"_id": data["username"], "display_name": data["display_name"],
               "role": data["role"], "active": True,
               "password_hash": passwords.hash_password(password),
               "person_type": data.get("person_type"), "person_id": data.get("person_id"),
               "created_at": now_utc(), "created_by": created_by,
               "password_changed_at": time.time()}
        doc.update({k: data.get(k) for k in SCOPE_FIELDS})
        link = self._link(doc) if doc["person_id"] else None
        try:
            self.accounts.insert_one(doc)
        except DuplicateKeyError:
            if link:
                self.db[PERSON_LINKS].delete_one({"_id": link, "username": doc["_id"]})
            raise errors.Conflict(code="username_taken", message="该用户名已被使用")
        return doc

    def _link(self, doc):
        key = "{}:{}".format(doc["person_type"], doc["person_id"])
        try:
            self.db[PERSON_LINKS].insert_one({"_id": key, "username": doc["_id"]})
        except DuplicateKeyError:
            raise errors.Conflict(code="person_already_linked",
                                  message="该教职工或志愿者已有登录账号")
        return key

    def page(self, query, cursor=None, limit=50):
        if cursor:
            query = dict(query, _id={"$gt": cursor})
        docs = list(self.accounts.find(query).sort("_id", ASCENDING).limit(limit + 1))
        more = len(docs) > limit
        return docs[:limit], (docs[limit - 1]["_id"] if more else None)

    def update(self, username, changes):
        self.accounts.update_one({"_id": username}, {"$set": changes})
        return self.get(username)

    def set_password(self, username, password):
        found = passwords.problems(password, username)
        if found:
            raise errors.Invalid(errors=[{"field": "new_password", "code": code,
                                          "message": msg} for code, msg in found])
        self.accounts.update_one({"_id": username}, {"$set": {
            "password_hash": passwords.hash_password(password),
            "password_changed_at": time.time()}})

    def rehash_if_needed(self, doc, password):
        if passwords.needs_rehash(doc["password_hash"]):
            self.accounts.update_one({"_id": doc["_id"]}, {"$set": {
                "password_hash": passwords.hash_password(password)}})


def new_id():
    return uuid.uuid4().hex
