"""The HTTP gateway (see DESIGN.md §3). For now: /health, asking every service over RPC."""
import json

from nameko.exceptions import RemoteError
from nameko.rpc import RpcProxy, rpc
from nameko.web.handlers import http

BACKEND_SERVICES = ("registry", "pairing", "activities", "notifications", "reporting")


class GatewayService:
    name = "gateway"

    registry = RpcProxy("registry")
    pairing = RpcProxy("pairing")
    activities = RpcProxy("activities")
    notifications = RpcProxy("notifications")
    reporting = RpcProxy("reporting")

    @rpc
    def health(self):
        return {"service": self.name, "status": "ok"}

    @http("GET", "/health")
    def http_health(self, request):
        report, healthy = {}, True
        for service in BACKEND_SERVICES:
            try:
                report[service] = getattr(self, service).health.call_async().result()
            except (RemoteError, Exception) as exc:  # any failure means that service is down
                healthy = False
                report[service] = {"status": "down", "error": repr(exc)}
        body = json.dumps({"status": "ok" if healthy else "degraded", "services": report},
                          ensure_ascii=False, default=str)
        return 200 if healthy else 503, {"Content-Type": "application/json; charset=utf-8"}, body
