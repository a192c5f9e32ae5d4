"""The HTTP gateway (DESIGN.md §3, issue 11): the one door for people and programs.

Thin: every route of the table (gateway.api) is one nameko HTTP entrypoint on `http`,
which hands the request to the dispatcher (authentication, the route's rule, validation,
the handler calling the services over RPC, audit, metrics). The gateway's own database
holds accounts, sessions, tokens, login failures and the audit log.
"""
from nameko.extensions import DependencyProvider
from nameko.rpc import RpcProxy

from carekit.events.records import EVENT_LOG, EVENT_LOG_INDEXES
from carekit.mongo import Database
from carekit.service import CareService
from gateway import accounts, audit, pages, sessions
from gateway.api import BY_NAME, ROUTES
from gateway.backends import SERVICES, Backends
from gateway.dispatch import Call, dispatch
from gateway.scope import Lookups
from gateway.web import endpoints

INDEXES = dict(accounts.INDEXES, **sessions.INDEXES, **audit.INDEXES, **pages.INDEXES,
               **{EVENT_LOG: EVENT_LOG_INDEXES})


class Deps:
    """What a request's handlers work with."""

    def __init__(self, service):
        config = service.state.config
        self.db = service.db
        self.proxies = {name: getattr(service, name) for name in SERVICES}
        self.services = Backends(self.proxies, config["GATEWAY_RPC_TIMEOUT_SECONDS"])
        self.accounts = accounts.AccountStore(service.db)
        self.sessions = sessions.Sessions(service.db, config)
        self.guard = sessions.LoginGuard(service.db, config)
        self.audit = audit.AuditLog(service.db)
        self.lookups = service.state.lookups
        self.worker_ctx = service.worker
        self.body_limit = config["GATEWAY_MAX_BODY_KB"] * 1024
        self.upload_limit = config["GATEWAY_MAX_UPLOAD_MB"] * 1024 * 1024
        self.cookie_secure = config["GATEWAY_COOKIE_SECURE"]


class WorkerContext(DependencyProvider):
    """The worker's context, so the caller's identity reaches the services' RPCs."""

    def get_dependency(self, worker_ctx):
        return worker_ctx


class GatewayState(DependencyProvider):
    """Per-process state: settings with their defaults, and the look-up caches."""

    def setup(self):
        from carekit.config import SettingsSchema
        defaults = {name: field.load_default for name, field in SettingsSchema().fields.items()
                    if name.startswith("GATEWAY_")}
        self.config = dict(defaults, **{k: v for k, v in self.container.config.items()
                                        if k.startswith("GATEWAY_")})
        self.lookups = Lookups()

    def get_dependency(self, worker_ctx):
        return self


class GatewayService(CareService):
    name = "gateway"
    db = Database(indexes=INDEXES)
    state = GatewayState()
    worker = WorkerContext()

    registry = RpcProxy("registry")
    pairing = RpcProxy("pairing")
    activities = RpcProxy("activities")
    notifications = RpcProxy("notifications")
    reporting = RpcProxy("reporting")

    @endpoints(ROUTES)
    def http(self, request, route_name, path):
        return dispatch(Call(request, BY_NAME[route_name], path, Deps(self)))

    @endpoints(pages.PAGES)
    def page(self, request, page_name, path):
        """The web pages (gateway.pages): the same sessions, rules and routes as the API."""
        return pages.serve(request, pages.BY_NAME[page_name], path, Deps(self))
