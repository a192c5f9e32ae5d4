"""Password hashing (argon2id) and the password rule.

Parameters follow OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane): about 25 ms here.
Hashing runs in eventlet's thread pool so a login does not stall every other request of the
gateway process while argon2 works.
"""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventlet import tpool

HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
MIN_LENGTH, MAX_LENGTH = 10, 128

# a hash of no one's password: verifying against it costs what a real verify costs, so an
# unknown username answers as slowly as a wrong password
_DECOY = HASHER.hash("decoy-password-of-no-account")


def hash_password(password):
    return tpool.execute(HASHER.hash, password)


def verify(password_hash, password):
    """True when `password` matches; an unknown account passes None and is checked against
    a decoy so the time taken does not tell whether the username exists."""
    try:
        return tpool.execute(HASHER.verify, password_hash or _DECOY, password) \
            and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash):
    return HASHER.check_needs_rehash(password_hash)


def problems(password, username=None):
    """[(code, message)] of the password rule; empty when the password is acceptable."""
    found = []
    if len(password) < MIN_LENGTH:
        found.append(("password_too_short", "密码至少 {} 位".format(MIN_LENGTH)))
    if len(password) > MAX_LENGTH:
        found.append(("password_too_long", "密码最多 {} 位".format(MAX_LENGTH)))
    if username and username.lower() in password.lower():
        found.append(("password_contains_username", "密码不能包含用户名"))
    if len(set(password)) < 4:
        found.append(("password_too_simple", "密码太简单"))
    return found
