"""Prometheus metrics shared by every service (exposed by the runner on METRICS_PORT)."""
from prometheus_client import Counter, Gauge, Histogram

EVENTS_PUBLISHED = Counter("care_events_published_total", "Events confirmed by the broker",
                           ["service"])
EVENTS_HANDLED = Counter("care_events_handled_total", "Events taken off a handler queue",
                         ["service", "event", "outcome"])
DEAD_LETTERED = Counter("care_events_dead_lettered_total", "Messages sent to a DLQ",
                        ["service", "code"])
HANDLER_SECONDS = Histogram("care_event_handler_seconds", "Time spent in event handlers",
                            ["service", "event"])
EVENTS_PARKED = Gauge("care_events_parked", "Events the relay gave up publishing (parked)",
                      ["service"])
