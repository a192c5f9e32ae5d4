"""Which bureaus a publisher serves: kept in the publisher's OWN database.

The onboarding command tells every publishing service, through its RPC (carekit.bureaus.desk),
that a bureau subscribes to some public events; the service writes it to its collection
`public_subscribers`, and its relays read it from there (no service reads another's
database, and nothing needs a restart when a bureau joins or leaves).

Each entry carries a `generation` (the onboarding's time in milliseconds): a later onboarding
or offboarding of the same bureau wins whatever order the RPCs arrive in, and the event log
marks which generation of a bureau got each event (carekit.bureaus.stream).

A relay reads the list at most `PUBLIC_DIRECTORY_SECONDS` old, and only after it has read the
documents it is about to relay; the RPC answers only after that long. So once every
publisher has answered, every event relayed from then on is copied to the bureau.
"""
import time
from dataclasses import dataclass

from marshmallow import Schema, fields, validate

from carekit.bureaus.broker import BUREAU_NAME
from carekit.events.projection import upsert_if_newer

SUBSCRIBERS = "public_subscribers"
EVENT_NAME = r"^[A-Z][A-Za-z0-9]{0,80}$"


class SubscriptionSchema(Schema):
    bureau = fields.String(required=True, validate=validate.Regexp("^" + BUREAU_NAME.pattern + "$"))
    events = fields.List(fields.String(validate=validate.Regexp(EVENT_NAME)), required=True,
                         validate=validate.Length(min=1, max=200))
    education = fields.Boolean(required=True)
    delivery = fields.String(load_default="amqp", validate=validate.OneOf(("amqp", "webhook")))
    generation = fields.Integer(required=True, strict=True,
                                validate=validate.Range(min=1, max=2 ** 53))


class RemovalSchema(Schema):
    bureau = fields.String(required=True, validate=validate.Regexp("^" + BUREAU_NAME.pattern + "$"))
    generation = fields.Integer(required=True, strict=True,
                                validate=validate.Range(min=1, max=2 ** 53))


@dataclass(frozen=True)
class Subscriber:
    bureau: str
    events: frozenset
    education: bool
    generation: int
    delivery: str = "amqp"

    @classmethod
    def of(cls, doc):
        return cls(bureau=doc["_id"], events=frozenset(doc.get("events") or ()),
                   education=bool(doc.get("education")), generation=int(doc["generation"]),
                   delivery=doc.get("delivery") or "amqp")

    def wants(self, name, public):
        return name in self.events and (self.education or not public.education_only)


def save(database, data):
    """Record a (validated) subscription; True if it was newer than what was stored."""
    return upsert_if_newer(database[SUBSCRIBERS], data["bureau"], data["generation"], {
        "events": sorted(set(data["events"])), "education": bool(data["education"]),
        "delivery": data.get("delivery", "amqp"), "active": True}, version_field="generation")


def remove(database, data):
    return upsert_if_newer(database[SUBSCRIBERS], data["bureau"], data["generation"],
                           {"active": False, "events": []}, version_field="generation")


def active(database):
    return [Subscriber.of(doc) for doc in database[SUBSCRIBERS].find({"active": True})
            .sort("_id", 1)]


def subscriber(database, bureau):
    doc = database[SUBSCRIBERS].find_one({"_id": bureau, "active": True})
    return Subscriber.of(doc) if doc else None


def listing(database):
    return [{"bureau": doc["_id"], "events": list(doc.get("events") or []),
             "education": bool(doc.get("education")), "delivery": doc.get("delivery"),
             "generation": int(doc["generation"]), "active": bool(doc.get("active"))}
            for doc in database[SUBSCRIBERS].find().sort("_id", 1)]


def merged(views, publishers):
    """Every publisher's `listing` ({service: [entry]}) per bureau: {bureau: {"events",
    "education", "delivery", "active", "publishers_agree"}} as the first publisher has it,
    agreeing when every publisher serves it actively with the same generation (else the
    onboarding command should run again)."""
    seen = {}
    for service, entries in views.items():
        for entry in entries:
            seen.setdefault(entry["bureau"], {})[service] = entry
    out = {}
    for bureau, by_service in seen.items():
        entries = [by_service.get(service) for service in publishers]
        first = entries[0] or {}
        out[bureau] = {
            "events": sorted(first.get("events") or []),
            "education": bool(first.get("education")), "delivery": first.get("delivery"),
            "active": any(e and e["active"] for e in entries),
            "publishers_agree": all(e and e["active"] and e["generation"] == first.get(
                "generation") for e in entries)}
    return out


class Directory:
    """A relay's view of the subscribers, read again when older than `seconds`."""

    def __init__(self, database, seconds, clock=time.monotonic):
        self.database = database
        self.seconds = float(seconds)
        self.clock = clock
        self._read_at = None
        self._subscribers = ()

    def current(self):
        now = self.clock()
        if self._read_at is None or now - self._read_at >= self.seconds:
            self._subscribers = tuple(active(self.database))
            self._read_at = now
        return self._subscribers
