"""National ID and phone numbers at rest: encrypted (Fernet), findable by a keyed hash, masked.

A sealed value is stored as {"enc": <Fernet token>, "hash": <HMAC-SHA256 hex>}. The hash key is
derived from the configured key (HKDF) so the encryption key itself never keys a hash: equal
numbers have equal hashes (duplicates are found without decrypting), yet the hash alone cannot
be reversed without the key (an unkeyed hash of an 18-digit ID is brute-forceable).
"""
import base64
import hashlib
import hmac

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class Vault:
    def __init__(self, key):
        self._fernet = Fernet(key)
        raw = base64.urlsafe_b64decode(key.encode() if isinstance(key, str) else key)
        self._hash_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                              info=b"care-network registry lookup hash v1").derive(raw)

    def hash(self, value):
        return hmac.new(self._hash_key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    def seal(self, value):
        if value is None:
            return None
        return {"enc": self._fernet.encrypt(value.encode("utf-8")).decode("ascii"),
                "hash": self.hash(value)}

    def open(self, sealed):
        if not sealed:
            return None
        return self._fernet.decrypt(sealed["enc"].encode("ascii")).decode("utf-8")


def mask_national_id(value):
    """4301**********1234"""
    if not value:
        return value
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value):
    """138****5678; 0731-****3456"""
    if not value:
        return value
    if "-" in value:
        area, rest = value.split("-", 1)
        return area + "-" + "*" * max(len(rest) - 4, 0) + rest[-4:]
    return value[:3] + "*" * max(len(value) - 7, 0) + value[-4:]
