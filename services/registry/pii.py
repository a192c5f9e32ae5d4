"""National ID and phone numbers at rest: encrypted, findable by a keyed hash, masked.

A sealed value is stored as {"enc": <token>, "hash": <keyed hash, hex>}. Two cipher suites
(PII_CIPHER): `fernet` (AES-128-CBC + HMAC-SHA256, a Fernet token) or `sm4-gcm` (SM4 in GCM
mode, GB/T 32907, token `sm4:<key id>:<base64 nonce+ciphertext+tag>`), with the keyed hash
HMAC-SHA256 or HMAC-SM3 (GB/T 32905) respectively. The hash has its own key (PII_HASH_KEY):
equal numbers have equal hashes (duplicates are found without decrypting) and rotating the
encryption key leaves the unique index alone; an unkeyed hash of an 18-digit ID would be
brute-forceable.

PII_ENCRYPTION_KEY may list several keys, newest first (MultiFernet style): the first seals,
every one opens, whatever suite sealed the token; `python -m registry.rotate_keys` re-seals
every stored value under the first, so a county can also move from one suite to the other.
"""
import base64
import binascii
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as chmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

CIPHERS = ("fernet", "sm4-gcm")
SM4_PREFIX = "sm4:"


def key_list(keys):
    """'k1,k2' or ['k1', 'k2'] -> ['k1', 'k2'] (newest first)."""
    if isinstance(keys, (bytes, str)):
        keys = keys.decode() if isinstance(keys, bytes) else keys
        keys = [k.strip() for k in keys.split(",") if k.strip()]
    return list(keys)


def _raw(key):
    return base64.urlsafe_b64decode(key.encode() if isinstance(key, str) else key)


class _Sm4Key:
    """An SM4 key derived (HKDF-SM3) from a 32-byte configured key; its id names it in tokens."""

    def __init__(self, key):
        raw = _raw(key)
        self.key = HKDF(algorithm=hashes.SM3(), length=16, salt=None,
                        info=b"care-network registry sm4-gcm v1").derive(raw)
        self.id = hashlib.sha256(b"key id" + self.key).hexdigest()[:8]

    def seal(self, data):
        nonce = os.urandom(12)
        encryptor = Cipher(algorithms.SM4(self.key), modes.GCM(nonce)).encryptor()
        body = encryptor.update(data) + encryptor.finalize()
        blob = base64.urlsafe_b64encode(nonce + body + encryptor.tag).decode("ascii")
        return "{}{}:{}".format(SM4_PREFIX, self.id, blob)

    def open(self, blob):
        raw = base64.urlsafe_b64decode(blob.encode("ascii"))
        nonce, body, tag = raw[:12], raw[12:-16], raw[-16:]
        decryptor = Cipher(algorithms.SM4(self.key), modes.GCM(nonce, tag)).decryptor()
        return decryptor.update(body) + decryptor.finalize()


def vault_of(config):
    return Vault(config["PII_ENCRYPTION_KEY"], config.get("PII_HASH_KEY"),
                 config.get("PII_CIPHER") or "fernet")


class UnreadableValue(ValueError):
    """A stored token no configured key opens."""


class Vault:
    def __init__(self, keys, hash_key=None, cipher="fernet"):
        if cipher not in CIPHERS:
            raise ValueError("cipher must be one of {}".format(CIPHERS))
        self.cipher = cipher
        self.keys = key_list(keys)
        self._fernets = [Fernet(k) for k in self.keys]
        self._multi = MultiFernet(self._fernets)
        self._sm4 = {k.id: k for k in (_Sm4Key(key) for key in self.keys)}
        self._sm4_current = _Sm4Key(self.keys[0])
        if hash_key is None:  # before PII_HASH_KEY: derived from the (single) Fernet key
            hash_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                            info=b"care-network registry lookup hash v1").derive(
                                _raw(self.keys[-1]))
        self._hash_key = hash_key.encode() if isinstance(hash_key, str) else hash_key

    # -- the keyed hash ---------------------------------------------------------------------
    def hash(self, value, cipher=None):
        if (cipher or self.cipher) == "sm4-gcm":
            mac = chmac.HMAC(self._hash_key, hashes.SM3())
            mac.update(value.encode("utf-8"))
            return mac.finalize().hex()
        return hmac.new(self._hash_key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    def hashes(self, value):
        """The value's hash under either suite: a look-up for duplicates still finds files
        sealed before a move between suites is finished."""
        return sorted({self.hash(value, cipher) for cipher in CIPHERS})

    # -- sealing ----------------------------------------------------------------------------
    def seal(self, value):
        if value is None:
            return None
        data = value.encode("utf-8")
        token = self._sm4_current.seal(data) if self.cipher == "sm4-gcm" else \
            self._fernets[0].encrypt(data).decode("ascii")
        return {"enc": token, "hash": self.hash(value)}

    def open(self, sealed):
        if not sealed:
            return None
        token = sealed["enc"]
        try:
            if token.startswith(SM4_PREFIX):
                key_id, blob = token[len(SM4_PREFIX):].split(":", 1)
                if key_id not in self._sm4:
                    raise UnreadableValue("no configured key opens this value")
                return self._sm4[key_id].open(blob).decode("utf-8")
            return self._multi.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, InvalidTag, ValueError, binascii.Error) as exc:
            raise UnreadableValue("no configured key opens this value") from exc

    def is_current(self, sealed):
        """Sealed by the first key, in today's suite, with today's hash?"""
        if not sealed:
            return True
        token = sealed["enc"]
        if self.cipher == "sm4-gcm":
            current = token.startswith("{}{}:".format(SM4_PREFIX, self._sm4_current.id))
        else:
            try:
                self._fernets[0].decrypt(token.encode("ascii"))
                current = not token.startswith(SM4_PREFIX)
            except (InvalidToken, ValueError):
                current = False
        return current and sealed.get("hash") == self.hash(self.open(sealed))

    def reseal(self, sealed):
        """The same value sealed by the first key (None stays None)."""
        return None if not sealed else self.seal(self.open(sealed))


# -- masking: what a masked value may still show --------------------------------------------
#
# A GB 11643 ID is region (1-6), birth date (7-14), sequence (15-16), a gender digit (17: odd
# male, even female) and a check digit (18) computed from the first 17. Every masked view shows
# the birth date and gender beside the ID, events carry them, and the school's county gives the
# region: so the masked ID must hide the sequence, and the check digit as well. With 15-17
# hidden, (birth date, gender, county) leave 100 x 5 = 500 sequences, every one of them a valid
# ID (its check digit is computed, not checked); a visible check digit would cut that to ~45,
# and with the old form (the last four shown) exactly one remained. So only the first four
# digits (province and prefecture, the same for the whole county) are shown.
#
# A mainland mobile number is 11 digits: a 3-digit carrier prefix, a 4-digit area/HLR block
# and a 4-digit subscriber number. Showing the prefix and the last four (7 of 11, the practice
# of GB/T 35273 examples) hides the 4-digit block: 10,000 numbers fit a masked mobile, and no
# masked view carries anything that narrows the block (no city of the phone is stored). Fewer
# than 4 hidden digits would leave a list short enough to dial through, so a masked mobile keeps
# at most 7 digits. A landline keeps its area code (public, the county's own) and hides at
# least 4 digits of the subscriber number too; an extension is never shown.
SHOWN_ID_DIGITS = 4
MOBILE_SHOWN = (3, 4)  # prefix, suffix
HIDDEN_PHONE_DIGITS = 4


def mask_national_id(value):
    """430124201605170131 -> 4301**************"""
    if not value:
        return value
    return value[:SHOWN_ID_DIGITS] + "*" * (len(value) - SHOWN_ID_DIGITS)


def mask_phone(value):
    """138****5678; 0731-****4321 (8-digit number), 0731-****321 (7 digits)"""
    if not value:
        return value
    if "-" in value:
        area, rest = value.split("-", 1)
        number = rest.split("-", 1)[0]  # the extension is dropped
        shown = max(len(number) - HIDDEN_PHONE_DIGITS, 0)
        return area + "-" + "*" * (len(number) - shown) + (number[-shown:] if shown else "")
    head, tail = MOBILE_SHOWN
    if len(value) < head + tail + HIDDEN_PHONE_DIGITS:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]
