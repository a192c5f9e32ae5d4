"""Webhooks to other bureaus on the real broker: two replicas of the notifications service
deliver the registry's public events, signed, to the example receiver (its own process);
failures are retried with backoff, parked after the limit, listed and requeued through the
notifications service's RPCs."""
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

import eventlet
import eventlet.wsgi
import pytest
from nameko.exceptions import RemoteError

from carekit.bureaus import onboarding
from carekit.events.records import EVENT_LOG
from carekit.testing.local import free_port
from carekit.testing.plugin import wait_for
from notifications.service import NotificationsService
from registry.tests.helpers import child_payload, county, db  # noqa: F401  (fixtures)
from tests.bureaus.support import WebhookReceiver, asyncapi_file, private_values_in

PRIVATE = ["李小明", "李建国", "张桂英", "13812345678", "0731-87654321", "花明楼镇炭子冲村3组",
           "2016-05-17", "内向"]


@pytest.fixture
def notifications_config(make_config):
    return make_config("notifications", WEBHOOK_RETRY_DELAYS_MS="100,200",
                       WEBHOOK_TIMEOUT_SECONDS="3")


@pytest.fixture
def webhook_county(run_service, notifications_config, county_of):
    run_service(NotificationsService, notifications_config)
    run_service(NotificationsService, notifications_config)  # two replicas: competing consumers
    return county_of()


def post(url, body, headers):
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def signed(secret, body, timestamp):
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return {"X-Care-Timestamp": str(timestamp), "X-Care-Signature": "v1=" + mac.hexdigest(),
            "Content-Type": "application/cloudevents+json"}


def test_two_replicas_deliver_each_event_once_signed_and_the_receiver_refuses_forgeries(
        registry, county, db, webhook_county, tmp_path):
    port = free_port()
    told = onboarding.onboard(webhook_county, "weijian",
                              ["ChildRegistered", "ChildStatusChanged"],
                              webhook="http://127.0.0.1:{}/care-events".format(port))
    assert told["queue"] == "webhook.weijian" and len(told["secret"]) == 64
    assert not webhook_county.api.user_exists(webhook_county.user("weijian"))
    receiver = WebhookReceiver(told["secret"], asyncapi_file(tmp_path), tmp_path / "got.jsonl",
                               port)
    try:
        children = [registry.register_child(child_payload(county, seq=seq))
                    for seq in range(1, 7)]
        registry.change_child_status(children[0]["id"], {"status": "graduated"})
        wait_for(lambda: len(receiver.events()) == 7, timeout=30, message="7 webhooks")
        time.sleep(1)  # a second copy, if any, would arrive now
        received = receiver.events()
        assert len(received) == 7
        ids = [r["event"]["id"] for r in received]
        assert len(set(ids)) == 7
        text = (tmp_path / "got.jsonl").read_text(encoding="utf-8")
        assert private_values_in(text, PRIVATE + [c["id"] for c in children]) == []
        assert sorted(r["event"]["type"].split(".")[-2] for r in received) == [
            "ChildRegistered"] * 6 + ["ChildStatusChanged"]
        # the broker handed each one to one replica only: nothing waits, nothing parked
        assert [w["parked"] for w in webhook_county.rpc["notifications"].bureau_webhooks()] == [0]

        # what the receiver refuses: a forged or stale signature, a wrong secret
        body = json.dumps(received[0]["event"]).encode("utf-8")
        now = int(time.time())
        assert post(receiver.url, body, signed(told["secret"], body, now)) == 204
        assert post(receiver.url, body, signed("0" * 64, body, now)) == 401
        assert post(receiver.url, body + b" ", signed(told["secret"], body, now)) == 401
        assert post(receiver.url, body, signed(told["secret"], body, now - 3600)) == 401
        forged = dict(signed(told["secret"], body, now), **{"X-Care-Signature": "v1=00"})
        assert post(receiver.url, body, forged) == 401
        assert len(receiver.events()) == 7
    finally:
        receiver.stop()


class FlakyEndpoint:
    """An HTTP endpoint in the test: answers `failures` 500s per event id, then 204."""

    def __init__(self, failures):
        self.failures = failures
        self.calls = {}
        self.socket = eventlet.listen(("127.0.0.1", 0))
        self.url = "http://127.0.0.1:{}/in".format(self.socket.getsockname()[1])
        self.thread = eventlet.spawn(eventlet.wsgi.server, self.socket, self.app,
                                     log_output=False, log=open("/dev/null", "w"))

    def app(self, environ, start_response):
        environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        event_id = environ.get("HTTP_X_CARE_EVENT_ID")
        self.calls.setdefault(event_id, []).append(time.monotonic())
        if len(self.calls[event_id]) <= self.failures:
            start_response("500 Internal Server Error", [("Content-Length", "0")])
        else:
            start_response("204 No Content", [])
        return [b""]

    def stop(self):
        self.thread.kill()
        self.socket.close()


def test_failures_are_retried_with_backoff_then_parked_listed_and_requeued(
        registry, county, db, webhook_county):
    flaky, down = FlakyEndpoint(failures=2), FlakyEndpoint(failures=10 ** 6)
    try:
        onboarding.onboard(webhook_county, "fulian", ["ChildRegistered"], webhook=flaky.url)
        onboarding.onboard(webhook_county, "gongan", ["ChildRegistered"], webhook=down.url)
        registry.register_child(child_payload(county, seq=1))
        # two failures, then taken: three calls, the retries spaced by the backoff
        wait_for(lambda: any(len(c) == 3 for c in flaky.calls.values()), timeout=30,
                 message="retried until taken")
        times = next(iter(flaky.calls.values()))
        assert times[1] - times[0] >= 0.09 and times[2] - times[1] >= 0.19
        rpc = webhook_county.rpc["notifications"]
        page = wait_for(lambda: rpc.parked_bureau_webhooks({"bureau": "gongan"})["items"],
                        timeout=30, message="parked after the last retry")
        assert page[0]["attempts"] == 3 and page[0]["error"] == "HTTP 500"
        assert len(down.calls[page[0]["event_id"]]) == 3
        assert {w["bureau"]: w["parked"] for w in rpc.bureau_webhooks()} == {"fulian": 0, "gongan": 1}
        row = {r["bureau"]: r for r in onboarding.listing(webhook_county)}["gongan"]
        assert (row["delivery"], row["webhook"]["parked"]) == ("webhook", 1)

        down.failures = 3  # the bureau fixed its endpoint
        assert rpc.requeue_bureau_webhooks({"bureau": "gongan"}) == {"bureau": "gongan",
                                                              "requeued": 1}
        wait_for(lambda: len(down.calls[page[0]["event_id"]]) == 4, timeout=30,
                 message="sent again")
        assert rpc.parked_bureau_webhooks({"bureau": "gongan"})["items"] == []
        assert len(flaky.calls) == 1
        # the queue of a bureau that leaves goes away under the consumers; the others go on
        webhook_county.api.delete("/queues/{}/webhook.fulian".format(
            urllib.parse.quote(webhook_county.vhost, safe="")))
        onboarding.offboard(webhook_county, "fulian")
        registry.register_child(child_payload(county, seq=2))
        wait_for(lambda: len(down.calls) == 2, timeout=30, message="gongan still served")
        assert len(flaky.calls) == 1
        for bad in ({"bureau": {"$ne": None}}, {"bureau": "gongan", "ids": ["../x"]},
                    {"bureau": "gongan", "after": "0"}, None):
            with pytest.raises(RemoteError, match="validation_failed"):
                rpc.parked_bureau_webhooks(bad) if "ids" not in (bad or {}) else \
                    rpc.requeue_bureau_webhooks(bad)
        with pytest.raises(RemoteError, match="bad_endpoint"):
            rpc.register_bureau_webhook({"bureau": "x1", "url": "ftp://a.example/x", "generation": 1})
    finally:
        flaky.stop()
        down.stop()
    assert db[EVENT_LOG].count_documents({"public.gongan": {"$exists": True}}) == 2
