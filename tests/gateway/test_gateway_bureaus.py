"""The county administrator's view of other bureaus over HTTP (gateway.api.bureaus), on the
running system: a webhook bureau onboarded the real way (`carekit.bureaus.onboarding` on the
world's vhost), its subscription as every publisher holds it, a parked delivery listed and
sent again by the notifications service to the bureau's endpoint, signed."""
import json
import urllib.parse
import uuid

import eventlet
import eventlet.wsgi
import pytest

from carekit.bureaus import onboarding
from carekit.bureaus.broker import Api
from carekit.testing.plugin import wait_for
from notifications.bureaus import storage as webhook_storage
from tests.gateway.support import LOGINS

BUREAU = "weijian"


class Endpoint:
    """The bureau's HTTPS endpoint stood in by a local HTTP server: answers 204, keeps what
    it got."""

    def __init__(self):
        self.got = []
        self.socket = eventlet.listen(("127.0.0.1", 0))
        self.url = "http://127.0.0.1:{}/care".format(self.socket.getsockname()[1])
        self.thread = eventlet.spawn(eventlet.wsgi.server, self.socket, self.app,
                                     log_output=False, log=open("/dev/null", "w"))

    def app(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        self.got.append((environ.get("HTTP_X_CARE_EVENT_ID"),
                         environ.get("HTTP_X_CARE_SIGNATURE"), body))
        start_response("204 No Content", [])
        return [b""]

    def stop(self):
        self.thread.kill()
        self.socket.close()


@pytest.fixture
def webhook_bureau(world, rabbit_admin):
    """BUREAU onboarded for ChildRegistered by webhooks to a local endpoint; offboarded after."""
    amqp_uri = world.configs["registry"]["AMQP_URI"]
    county = onboarding.County(
        Api(rabbit_admin.api, rabbit_admin.user, rabbit_admin.password),
        urllib.parse.unquote(urllib.parse.urlsplit(amqp_uri).path[1:]), amqp_uri, world.rpc,
        bureau_prefix="t{}-bureau-".format(uuid.uuid4().hex[:8]))
    endpoint = Endpoint()
    try:
        told = onboarding.onboard(county, BUREAU, ["ChildRegistered"], webhook=endpoint.url)
        yield endpoint, told
    finally:
        onboarding.offboard(county, BUREAU)
        endpoint.stop()
        notifications_db(world)[webhook_storage.PARKED].delete_many({"bureau": BUREAU})


def notifications_db(world):
    return world.mongo[world.configs["notifications"]["MONGO_DATABASE"]]


def park_one(world):
    """A delivery the notifications service gave up on, stored as its consumer parks one
    after the last retry (getting there: tests/bureaus/test_webhooks.py)."""
    event_id = str(uuid.uuid4())
    body = json.dumps({"id": event_id, "type": "org.care-network.ChildRegistered.v1"})
    webhook_storage.park(notifications_db(world), BUREAU, event_id, body.encode("utf-8"), "HTTP 500", 6)
    return event_id


def test_county_admin_lists_bureaus_and_sends_a_parked_delivery_again(world, webhook_bureau):
    endpoint, told = webhook_bureau
    admin = world.client(LOGINS["county_admin"])
    event_id = park_one(world)

    listed = admin.get("/api/bureaus")
    assert listed.status_code == 200, listed.text
    row = {r["bureau"]: r for r in listed.json()["items"]}[BUREAU]
    assert row["delivery"] == "webhook" and row["events"] == ["ChildRegistered"]
    assert row["subscribed"] and row["publishers_agree"] and not row["education"]
    assert row["webhook"] == {"url": endpoint.url, "active": True, "parked": 1}
    assert "secret" not in json.dumps(listed.json())

    parked = admin.get("/api/bureaus/{}/parked".format(BUREAU))
    assert parked.status_code == 200, parked.text
    [item] = parked.json()["items"]
    assert (item["event_id"], item["error"], item["attempts"]) == (event_id, "HTTP 500", 6)

    requeued = admin.post("/api/bureaus/{}/requeue".format(BUREAU), json={})
    assert requeued.status_code == 200, requeued.text
    assert requeued.json() == {"bureau": BUREAU, "requeued": 1}
    got = wait_for(lambda: [g for g in endpoint.got if g[0] == event_id], timeout=30,
                   message="the parked delivery POSTed again")
    assert got[0][1].startswith("v1=") and json.loads(got[0][2])["id"] == event_id
    assert admin.get("/api/bureaus/{}/parked".format(BUREAU)).json()["items"] == []
    # the shared world's audit log also holds other tests' requeues (the roles test's)
    entry = world.gateway_db["audit_log"].find_one(
        {"route": "requeue_bureau_deliveries", "target_id": BUREAU}, sort=[("_id", -1)])
    assert (entry["action"], entry["target_type"], entry["actor"]) == (
        "requeue", "bureau", LOGINS["county_admin"])
    assert entry["detail"] == {"requeued": 1}


def fields_of(answer):
    return [(e["field"], e["code"]) for e in answer.json()["errors"]]


def test_bad_input_names_the_field_and_changes_nothing(world, webhook_bureau):
    admin = world.client(LOGINS["county_admin"])
    park_one(world)
    bad_name = admin.get("/api/bureaus/Wei-Jian/parked")
    assert bad_name.status_code == 422, bad_name.text
    assert fields_of(bad_name) == [("bureau", "bad_format")]
    for body, problem in (({"ids": ["../x"]}, ("ids.0", "bad_format")),
                          ({"ids": []}, ("ids", "bad_length")),
                          ({"ids": "all"}, ("ids", "not_list"))):
        answer = admin.post("/api/bureaus/{}/requeue".format(BUREAU), json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert fields_of(answer) == [problem]
    unknown = admin.post("/api/bureaus/{}/requeue".format(BUREAU),
                         json={"ids": [str(uuid.uuid4())]})
    assert unknown.status_code == 404, unknown.text
    assert admin.get("/api/bureaus/{}/parked".format(BUREAU)).json()["items"]
    assert admin.get("/api/bureaus/{}/parked?limit=0".format(BUREAU)).status_code == 422


def test_only_the_county_admin_may_see_or_resend(world, webhook_bureau):
    for role in ("analyst", "township_admin", "school_admin", "teacher"):
        client = world.client(LOGINS[role])
        assert client.get("/api/bureaus").status_code == 403, role
        assert client.post("/api/bureaus/{}/requeue".format(BUREAU),
                           json={}).status_code == 403, role
