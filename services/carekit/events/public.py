"""What other bureaus may see of an event, declared beside its schema, and the de-identifier.

    @event_schema("activities", "VisitLogged", version=1, public=dict(
        child="child_id", refs=("record_id",), keep=("kind", "revision"),
        dates=("occurred_at",), education=("school_id",)))

Only what is declared leaves; every other field of the event never reaches the public
exchange. The kinds of public field:
- child: the field holding the child's id -> `child`, a pseudonym of that child for one
  bureau (HMAC-SHA256 under a key derived from the county's PUBLIC_STREAM_KEY and the bureau's
  name: stable for the bureau, different for every other bureau, unlinkable without the key)
- refs: other ids (care record, aid, pairing ...) -> the same name, pseudonymised the same
  way, so a bureau can match a correction or an end to its start, and nothing more
- keep: closed values as they are (codes from a fixed list or pattern, numbers, booleans);
  a free-text field is refused here, at import time
- org: the county's organisation as it is (township and county ids, codes, names)
- dates: a date or an instant -> its China calendar date (no time of day)
- age: the child's birth date -> `age_band` at the date the event was recorded
- education: organisation facts only education-side subscribers get (the school, the grade)
- education_only: the whole event goes to education-side subscribers only
Every public event's data also carries `recorded_on`, the China date it was recorded.

A declaration is part of the public contract of its event version: bureaus validate against
the AsyncAPI document generated from it (carekit.bureaus.asyncapi), which allows no other
field. Never widen what a published version makes public; do it in a new version.
"""
import hashlib
import hmac
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from marshmallow import fields, validate

from carekit.clock import china_date

PUBLIC_TYPE_PREFIX = "org.care-network.public."
PUBLIC_SOURCE = "/care-network/public/{}"
AGE_BANDS = ("0-5", "6-8", "9-11", "12-14", "15-17", "18+")
_CLOSED_NUMBERS = (fields.Integer, fields.Float, fields.Decimal, fields.Number)


KINDS = ("child", "refs", "keep", "org", "dates", "age", "education", "education_only")


class PublicDeclarationError(TypeError):
    pass


def age_band(birth_date, on):
    """The age band of a child born `birth_date` on day `on` (both dates)."""
    years = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    for band in AGE_BANDS[:-1]:
        low, high = (int(part) for part in band.split("-"))
        if years <= high:
            return band if years >= low else AGE_BANDS[0]
    return AGE_BANDS[-1]


def _closed(schema_field):
    """True for a field whose values come from a fixed set or pattern (no free text)."""
    if isinstance(schema_field, fields.List):
        return _closed(schema_field.inner)
    if isinstance(schema_field, (fields.Boolean,) + _CLOSED_NUMBERS):
        return True
    if isinstance(schema_field, (fields.Date, fields.DateTime, fields.Enum)):
        return True
    return any(isinstance(v, (validate.OneOf, validate.Regexp, validate.Equal))
               for v in schema_field.validators)


@dataclass(frozen=True)
class Public:
    """Which fields of one event version go public, and how (see the module docstring)."""

    child: str = None
    refs: tuple = ()
    keep: tuple = ()
    org: tuple = ()
    dates: tuple = ()
    age: str = None
    education: tuple = ()
    education_only: bool = False
    fields_of: dict = field(default=None, compare=False, repr=False)  # source name -> Field

    @classmethod
    def declare(cls, declaration, schema_cls):
        """A Public bound to `schema_cls`, checked: every name exists, kept values are closed."""
        if isinstance(declaration, Public):
            declaration = {k: getattr(declaration, k) for k in KINDS}
        unknown = set(declaration) - set(KINDS)
        if unknown:
            raise PublicDeclarationError("unknown public field kinds {}".format(sorted(unknown)))
        declaration = {k: tuple(v) if isinstance(v, (list, tuple)) else v
                       for k, v in declaration.items()}
        public = cls(**declaration)
        schema_fields = schema_cls._declared_fields
        named = public.source_names()
        missing = [n for n in named if n not in schema_fields]
        if missing:
            raise PublicDeclarationError("{}: no field(s) {} to make public".format(
                schema_cls.__name__, ", ".join(missing)))
        outputs = public.output_names()
        if len(named) != len(set(named)) or len(outputs) != len(set(outputs)):
            raise PublicDeclarationError("{}: a public field is declared twice, or under a "
                                         "name the stream uses itself".format(
                                             schema_cls.__name__))
        for name in public.keep:
            if not _closed(schema_fields[name]):
                raise PublicDeclarationError(
                    "{}.{} is free text: it cannot be kept as it is (declare it under org if "
                    "it is the county's organisation, or leave it private)".format(
                        schema_cls.__name__, name))
        for name in public.dates:
            if not isinstance(schema_fields[name], (fields.Date, fields.DateTime)):
                raise PublicDeclarationError("{}.{} is not a date".format(schema_cls.__name__,
                                                                         name))
        if public.age and not isinstance(schema_fields[public.age], fields.Date):
            raise PublicDeclarationError("{}.{} is not a birth date".format(
                schema_cls.__name__, public.age))
        object.__setattr__(public, "fields_of", {n: schema_fields[n] for n in named})
        return public

    def source_names(self):
        return ([self.child] if self.child else []) + list(self.refs) + list(self.keep) \
            + list(self.org) + list(self.dates) + ([self.age] if self.age else []) \
            + list(self.education)

    def output_names(self, education=True):
        """The keys of the public data (education-side subscribers get `education` too)."""
        names = ["recorded_on"] + (["child"] if self.child else []) + list(self.refs) \
            + list(self.keep) + list(self.org) + list(self.dates) \
            + (["age_band"] if self.age else [])
        return names + (list(self.education) if education else [])

    def copy(self, data, recorded_on, pseudonym, education):
        """The public data of one event for one bureau. `data`: the event's data as sent
        (JSON values); `pseudonym(kind, value)`: the bureau's pseudonym of an id."""
        out = {"recorded_on": recorded_on.isoformat()}
        if self.child:
            out["child"] = _maybe(pseudonym, data.get(self.child))
        for name in self.refs:
            out[name] = _maybe(pseudonym, data.get(name), "ref")
        for name in self.keep + self.org:
            out[name] = data.get(name)
        for name in self.dates:
            out[name] = _day(data.get(name))
        if self.age:
            born = data.get(self.age)
            out["age_band"] = age_band(date.fromisoformat(born), recorded_on) if born else None
        if education:
            for name in self.education:
                out[name] = data.get(name)
        return out


def _maybe(pseudonym, value, kind="child"):
    return None if value in (None, "") else pseudonym(kind, str(value))


def _day(value):
    if value in (None, ""):
        return None
    if "T" in str(value):
        return china_date(datetime.fromisoformat(str(value))).isoformat()
    return str(value)[:10]


class Keyring:
    """Pseudonyms and public event ids of one county: keyed by PUBLIC_STREAM_KEY.

    Each bureau's key is HMAC(county key, bureau name); a pseudonym is HMAC(bureau key,
    kind + id), 128 bits in hex. Without the county key nobody, a bureau included, can tell
    which child a pseudonym stands for or link two bureaus' pseudonyms of one child."""

    def __init__(self, county_key):
        if isinstance(county_key, str):
            county_key = county_key.encode("utf-8")
        if not county_key or len(county_key) < 16:
            raise ValueError("PUBLIC_STREAM_KEY must be at least 16 bytes")
        self._county_key = county_key
        self._bureau_keys = {}

    def _bureau_key(self, bureau):
        key = self._bureau_keys.get(bureau)
        if key is None:
            key = self._bureau_keys[bureau] = hmac.new(
                self._county_key, b"bureau\x00" + bureau.encode("utf-8"), hashlib.sha256
            ).digest()
        return key

    def _digest(self, bureau, kind, value):
        return hmac.new(self._bureau_key(bureau), "{}\x00{}".format(kind, value).encode("utf-8"),
                        hashlib.sha256).digest()

    def pseudonym(self, bureau, kind, value):
        return self._digest(bureau, kind, value)[:16].hex()

    def pseudonymiser(self, bureau):
        return lambda kind, value: self.pseudonym(bureau, kind, value)

    def public_id(self, bureau, event_id):
        """The id of an event's public copy for `bureau`: the same every time it is sent
        (a bureau deduplicates on it), different for every bureau."""
        return str(uuid.UUID(bytes=self._digest(bureau, "event", event_id)[:16], version=4))


def public_type(name, version):
    return "{}{}.v{}".format(PUBLIC_TYPE_PREFIX, name, version)


def deidentify(envelope, public, name, version, source, bureau, education, keyring,
               replay=False):
    """The public CloudEvents envelope of a domain `envelope` for `bureau`: a new id, no
    subject, correlation or causation (they are internal ids), no time of day."""
    recorded_on = china_date(datetime.fromisoformat(envelope["time"]))
    data = public.copy(envelope.get("data") or {}, recorded_on, keyring.pseudonymiser(bureau),
                       education)
    copy = {"specversion": "1.0", "id": keyring.public_id(bureau, envelope["id"]),
            "source": PUBLIC_SOURCE.format(source), "type": public_type(name, version),
            "datacontenttype": "application/json",
            "dataschema": "urn:care-network:public:{}:v{}".format(name, version),
            "data": data}
    if replay:
        copy["replay"] = True
    return copy
