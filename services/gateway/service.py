"""The HTTP gateway (see DESIGN.md §3). For now: /health, asking every service over RPC."""
import json

import eventlet
from nameko.exceptions import RemoteError
from nameko.rpc import RpcProxy, rpc
from nameko.web.handlers import http

BACKEND_SERVICES = ("registry", "pairing", "activities", "notifications", "reporting")
HEALTH_TIMEOUT_SECONDS = 5


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
        calls = {service: getattr(self, service).health.call_async()
                 for service in BACKEND_SERVICES}
        for service, call in calls.items():
            try:
                # a queue with no consumer would never answer: bound the wait
                with eventlet.Timeout(HEALTH_TIMEOUT_SECONDS):
                    report[service] = call.result()
            except (RemoteError, eventlet.Timeout, Exception) as exc:  # down, whatever the cause
                healthy = False
                report[service] = {"status": "down", "error": repr(exc)}
        body = json.dumps({"status": "ok" if healthy else "degraded", "services": report},
                          ensure_ascii=False, default=str)
        return 200 if healthy else 503, {"Content-Type": "application/json; charset=utf-8"}, body
