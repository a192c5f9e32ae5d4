"""Browser sessions and program tokens, both expiring, and the login guard.

- A session is a random value in a Secure, HttpOnly, SameSite=Lax cookie; it ends after
  GATEWAY_SESSION_HOURS, or GATEWAY_SESSION_IDLE_MINUTES without a request. Changing
  requests on a session must carry its CSRF token (header X-CSRF-Token).
- A token (for programs) is sent as `Authorization: Bearer care_…`; it has a name, ends
  after at most GATEWAY_TOKEN_MAX_DAYS and can be revoked. No CSRF: browsers never send it.
- Only SHA-256 digests of session values and tokens are stored.
- Login guard: GATEWAY_LOGIN_MAX_FAILURES wrong passwords in a row lock the username for
  GATEWAY_LOGIN_LOCK_MINUTES (a known or an unknown username alike, so the answer does not
  tell which exist); GATEWAY_LOGIN_IP_MAX_FAILURES failures from one address within that
  time refuse further logins from it. Both answer 429 with Retry-After.
Times are epoch seconds: compared as numbers on any MongoDB.
"""
import hashlib
import hmac
import secrets
import time

from pymongo import ASCENDING, IndexModel, ReturnDocument

from gateway import errors

SESSIONS, TOKENS, LOGIN_FAILURES = "sessions", "api_tokens", "login_failures"
COOKIE = "care_session"
TOKEN_PREFIX = "care_"

INDEXES = {
    SESSIONS: [IndexModel([("username", ASCENDING)])],
    TOKENS: [IndexModel([("username", ASCENDING)]), IndexModel([("token_id", ASCENDING)],
                                                             unique=True)],
}


# what a session or token keeps of its account, so a request needs one read, not two; an
# account is disabled only together with ending its sessions and tokens (close_all)
SNAPSHOT = ("_id", "role", "display_name", "county_id", "township_id", "school_id",
            "person_type", "person_id", "active")


def snapshot(account):
    return {k: account.get(k) for k in SNAPSHOT}


def digest(secret):
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class Sessions:
    def __init__(self, db, config, clock=time.time):
        self.db = db
        self.clock = clock
        self.lifetime = config["GATEWAY_SESSION_HOURS"] * 3600
        self.idle = config["GATEWAY_SESSION_IDLE_MINUTES"] * 60
        self.token_max_days = config["GATEWAY_TOKEN_MAX_DAYS"]

    # -- browser sessions -----------------------------------------------------------------------
    def open(self, account, ip, user_agent):
        """A new session for `account`: (cookie value, its record)."""
        value = secrets.token_urlsafe(32)
        now = self.clock()
        doc = {"_id": digest(value), "username": account["_id"], "account": snapshot(account),
               "csrf_token": secrets.token_urlsafe(24),
               "created_at": now, "expires_at": now + self.lifetime, "last_seen": now,
               "ip": ip, "user_agent": (user_agent or "")[:200]}
        self.db[SESSIONS].insert_one(doc)
        return value, doc

    def find(self, value):
        """The live session for a cookie value, or None (ended, idle too long, unknown)."""
        doc = self.db[SESSIONS].find_one({"_id": digest(value)})
        now = self.clock()
        if doc is None:
            return None
        if doc["expires_at"] <= now or doc["last_seen"] + self.idle <= now:
            self.db[SESSIONS].delete_one({"_id": doc["_id"]})
            return None
        if now - doc["last_seen"] > 60:  # one write a minute at most, not one per request
            self.db[SESSIONS].update_one({"_id": doc["_id"]}, {"$set": {"last_seen": now}})
        return doc

    def close(self, session_id):
        self.db[SESSIONS].delete_one({"_id": session_id})

    def renamed(self, username, display_name):
        for collection in (SESSIONS, TOKENS):
            self.db[collection].update_many({"username": username}, {"$set": {
                "account.display_name": display_name}})

    def close_all(self, username):
        self.db[SESSIONS].delete_many({"username": username})
        self.db[TOKENS].update_many({"username": username, "revoked": False},
                                    {"$set": {"revoked": True}})

    def max_age(self):
        return int(self.lifetime)

    @staticmethod
    def csrf_matches(doc, presented):
        return bool(presented) and hmac.compare_digest(doc["csrf_token"], presented)

    # -- program tokens ---------------------------------------------------------------------------
    def issue_token(self, account, name, days):
        days = min(days, self.token_max_days)
        value = TOKEN_PREFIX + secrets.token_urlsafe(32)
        now = self.clock()
        doc = {"_id": digest(value), "token_id": secrets.token_hex(8),
               "username": account["_id"], "account": snapshot(account),
               "name": name, "created_at": now, "expires_at": now + days * 86400,
               "revoked": False}
        self.db[TOKENS].insert_one(doc)
        return value, doc

    def find_token(self, value):
        """The token's record; Unauthenticated when unknown, revoked or expired."""
        doc = self.db[TOKENS].find_one({"_id": digest(value)})
        if doc is None or doc.get("revoked"):
            raise errors.Unauthenticated(code="invalid_token", message="访问令牌无效或已撤销")
        if doc["expires_at"] <= self.clock():
            raise errors.Unauthenticated(code="token_expired", message="访问令牌已过期")
        return doc

    def tokens_of(self, username):
        return list(self.db[TOKENS].find({"username": username}).sort("created_at", ASCENDING))

    def revoke_token(self, username, token_id):
        result = self.db[TOKENS].update_one({"token_id": token_id, "username": username},
                                            {"$set": {"revoked": True}})
        if not result.matched_count:
            raise errors.NotFound(message="找不到该访问令牌")


def token_view(doc, clock=time.time):
    return {"token_id": doc["token_id"], "name": doc["name"],
            "created_at": _iso(doc["created_at"]), "expires_at": _iso(doc["expires_at"]),
            "revoked": bool(doc.get("revoked")),
            "expired": doc["expires_at"] <= clock()}


def _iso(epoch):
    from datetime import datetime, timezone
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat()


class LoginGuard:
    def __init__(self, db, config, clock=time.time):
        self.collection = db[LOGIN_FAILURES]
        self.clock = clock
        self.max_failures = config["GATEWAY_LOGIN_MAX_FAILURES"]
        self.lock_seconds = config["GATEWAY_LOGIN_LOCK_MINUTES"] * 60
        self.ip_max = config["GATEWAY_LOGIN_IP_MAX_FAILURES"]

    def _ip_key(self, ip):
        window = int(self.clock() // self.lock_seconds)
        return "ip:{}:{}".format(ip, window), (window + 1) * self.lock_seconds

    def check(self, username, ip):
        """429 when the username is locked or the address has failed too often."""
        now = self.clock()
        user = self.collection.find_one({"_id": "user:" + username})
        if user and user.get("locked_until", 0) > now:
            raise errors.TooManyRequests(
                user["locked_until"] - now, code="account_locked",
                message="连续登录失败次数过多，账号已暂时锁定，请稍后再试")
        key, window_end = self._ip_key(ip)
        by_ip = self.collection.find_one({"_id": key})
        if by_ip and by_ip.get("failures", 0) >= self.ip_max:
            raise errors.TooManyRequests(window_end - now, code="too_many_attempts",
                                         message="该地址登录失败次数过多，请稍后再试")

    def failed(self, username, ip):
        now = self.clock()
        user = self.collection.find_one_and_update(
            {"_id": "user:" + username}, {"$inc": {"failures": 1}, "$set": {"last": now}},
            upsert=True, return_document=ReturnDocument.AFTER)
        if user.get("first") is None or now - user["first"] > self.lock_seconds:
            # failures long apart do not add up: this one starts a new run
            self.collection.update_one({"_id": user["_id"]},
                                       {"$set": {"first": now, "failures": 1}})
        elif user["failures"] >= self.max_failures:
            self.collection.update_one({"_id": user["_id"]}, {"$set": {
                "locked_until": now + self.lock_seconds, "failures": 0, "first": None}})
        key, _ = self._ip_key(ip)
        self.collection.find_one_and_update({"_id": key}, {"$inc": {"failures": 1}},
                                            upsert=True)

    def succeeded(self, username):
        self.collection.delete_one({"_id": "user:" + username})
