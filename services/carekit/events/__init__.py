"""The event kit every service uses: contract, outbox, relay, handlers, dead letters."""
from carekit.events.catalogue import event_schema, catalogue  # noqa: F401
from carekit.events.envelope import Event, InvalidEvent  # noqa: F401
