"""What every care-network service has: tracing context in logs, a health RPC, and the RPC
that replays its event log into one subscriber's queue (carekit.events.rebuild)."""
import structlog
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from carekit.events.rebuild import EventLogReplayer
from carekit.events.records import EVENT_LOG, PARKED, PENDING
from carekit.mongo import Database


class Tracing(DependencyProvider):
    """Binds correlation id, event id and type, and the entrypoint to every log line."""

    def worker_setup(self, worker_ctx):
        data = worker_ctx.context_data
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            entrypoint=worker_ctx.entrypoint.method_name,
            correlation_id=data.get("correlation_id"),
            event_id=data.get("event_id"), event_type=data.get("event_type"))

    def worker_teardown(self, worker_ctx):
        structlog.contextvars.clear_contextvars()


class CareService:
    """Base for service classes: subclasses set `name` and add their own dependencies."""

    tracing = Tracing()
    db = Database()
    replayer = EventLogReplayer()

    @rpc
    def health(self):
        self.db.command("ping")
        log = self.db[EVENT_LOG]
        return {"service": self.name, "status": "ok", "database": self.db.name,
                "pending_events": log.count_documents({"status": PENDING}),
                "parked_events": log.count_documents({"status": PARKED})}

    @rpc
    def replay_events(self, request):
        return self.replayer.replay(self.db, request)
