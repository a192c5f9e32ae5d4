"""Prometheus metrics of the gateway: requests, latency and errors by route and status.
Served at /metrics on the gateway's port (and on METRICS_PORT with the rest of the process's
metrics when that is set). Route labels are the table's route names, never concrete paths,
so no id ever becomes a label."""
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest

REQUESTS = Counter("care_http_requests_total", "HTTP requests answered by the gateway",
                   ["route", "method", "status"])
LATENCY = Histogram("care_http_request_seconds", "Time to answer an HTTP request",
                    ["route", "method"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10))
ERRORS = Counter("care_http_errors_total", "HTTP answers with an error body, by error code",
                 ["route", "status", "code"])
RPC_SECONDS = Histogram("care_gateway_rpc_seconds", "Time of RPC calls made by the gateway",
                        ["service"])


def observe(route, method, status, seconds, code=None):
    REQUESTS.labels(route, method, str(status)).inc()
    LATENCY.labels(route, method).observe(seconds)
    if code:
        ERRORS.labels(route, str(status), code).inc()


def exposition():
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
