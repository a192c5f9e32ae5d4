"""nameko parts of the notifications service: its timer, its channels, its contact book."""
from types import SimpleNamespace

import eventlet
from nameko.extensions import DependencyProvider

from carekit.logs import get_logger
from carekit.mongo import MongoConnection
from carekit.timers import timer_every
from notifications import channels
from notifications.delivery import ContactsUnavailable

log = get_logger(__name__)
CONTACTS_TIMEOUT_SECONDS = 15
ACTOR = "service:notifications"


# the sweep and the dispatch run on a timer whose interval is NOTIFY_TICK_SECONDS (fast in tests)
tick = timer_every("NOTIFY_TICK_SECONDS", 30)


class Delivery(DependencyProvider):
    """The channels this instance has and its retry delays, built once from its settings."""

    connection = MongoConnection()

    def setup(self):
        self.bundle = None

    def get_dependency(self, worker_ctx):
        if self.bundle is None:
            config = self.container.config
            self.bundle = SimpleNamespace(
                channels=channels.from_config(self.connection.database, config),
                retry_seconds=retry_seconds(config))
        return self.bundle


class ActingService(DependencyProvider):
    """Names this service as the actor of its timer workers (the registry audits reveals)."""

    def worker_setup(self, worker_ctx):
        worker_ctx.data.setdefault("user_id", ACTOR)  # context_data is a copy


def contact_book(registry):
    """lookup(recipients, purpose) over the registry's notification_contacts RPC, as
    delivery.Dispatcher wants it: {"type:id": {"phone", "email"}}."""

    def lookup(recipients, purpose):
        people = [{"type": kind, "id": person_id} for kind, person_id in recipients
                  if kind in ("staff", "volunteer", "parent")]
        if not people:
            return {}
        try:
            with eventlet.Timeout(CONTACTS_TIMEOUT_SECONDS):
                found = registry.notification_contacts({"people": people, "purpose": purpose})
        except eventlet.Timeout:
            raise ContactsUnavailable("registry did not answer in {}s".format(
                CONTACTS_TIMEOUT_SECONDS))
        except Exception as exc:  # unknown service, remote error: all mean "not now"
            raise ContactsUnavailable("{}: {}".format(type(exc).__name__, exc))
        return {"{}:{}".format(p["type"], p["id"]): p for p in found}
    return lookup


def retry_seconds(config):
    value = str(config.get("NOTIFY_RETRY_SECONDS") or "60,300,1800")
    return [float(part) for part in value.split(",") if part.strip()]
