"""Stand-ins for the four publishers, exactly as far as reporting needs them: a CareService
named like the publisher whose command writes the events through the kit's outbox (so the
relay publishes them and logs them in its event log, and `replay_events` replays them)."""
from nameko.rpc import rpc

from carekit.events.outbox import Outbox
from carekit.service import CareService

SOURCES = ("registry", "pairing", "activities", "notifications")


def publisher(source):
    class Publisher(CareService):
        name = source
        outbox = Outbox(carriers=["emitted"])

        @rpc
        def emit(self, batch_id, events):
            """events: [[name, version, data]]; one document carries them all."""
            envelopes = [self.outbox.event(name, data, version=version)
                         for name, version, data in events]
            self.outbox.insert("emitted", {"_id": batch_id}, envelopes)
            return [e["id"] for e in envelopes]
    Publisher.__name__ = "{}Publisher".format(source.title())
    return Publisher


def start_publishers(make_config, run_service):
    configs = {}
    for source in SOURCES:
        configs[source] = make_config(source, SUBSCRIBER_MODULES="reporting.service")
        run_service(publisher(source), configs[source])
    return configs


def emit_world(proxy, events, batch=50):
    """Publish a World's events through the publishers, in batches; returns the event ids."""
    ids = []
    by_source = {}
    for source, name, version, data in events:
        by_source.setdefault(source, []).append([name, version, data])
    for source, items in by_source.items():
        service = getattr(proxy, source)
        for start in range(0, len(items), batch):
            ids += service.emit("{}-{}".format(source, start), items[start:start + batch])
    return ids
