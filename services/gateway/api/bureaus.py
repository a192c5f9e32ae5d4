"""Other bureaus (民政, 妇联, 公安, 卫健 …) on the public stream, for the county's administrator:
who subscribes to what, and the webhook deliveries the notifications service gave up on
(parked), which can be sent again once the bureau's endpoint works.

Joining, leaving and replaying from a date stay with `python -m carekit.bureaus`: they create
and delete RabbitMQ queues and accounts and publish to `care.public`, rights that need the
broker's administrator and that the gateway's account deliberately lacks."""
from marshmallow import Schema, fields, validate

from carekit.bureaus.directory import merged
from carekit.config import PUBLIC_STREAM_PUBLISHERS
from gateway import views
from gateway.authorisation import COUNTY_ONLY, allow
from gateway.routing import route

TAG = "其他部门订阅"
PAGE = 100


class ParkedQuery(Schema):
    after = fields.String(load_default=None, validate=validate.Length(max=100))
    limit = fields.Integer(load_default=PAGE, validate=validate.Range(min=1, max=PAGE))


class RequeueBody(Schema):
    ids = fields.List(fields.String(validate=validate.Length(max=64)), load_default=None,
                      allow_none=True, validate=validate.Length(min=1, max=1000))


def list_bureaus(call):
    """Every bureau subscribed or served by webhooks: its events, whether every publisher
    agrees on its subscription, and its webhook (endpoint, deliveries parked)."""
    views_by_service = {service: getattr(call, service).bureau_subscriptions()
                        for service in PUBLIC_STREAM_PUBLISHERS}
    subscriptions = merged(views_by_service, PUBLIC_STREAM_PUBLISHERS)
    hooks = {w["bureau"]: w for w in call.notifications.bureau_webhooks()}
    shown = {b for b, s in subscriptions.items() if s["active"]} | {
        b for b, w in hooks.items() if w["active"] or w["parked"]}
    items = []
    for bureau in sorted(shown):
        subscription, hook = subscriptions.get(bureau) or {}, hooks.get(bureau)
        items.append({
            "bureau": bureau,
            "delivery": "webhook" if hook and hook["active"] else
            subscription.get("delivery") or "amqp",
            "events": subscription.get("events") or [],
            "education": bool(subscription.get("education")),
            "subscribed": bool(subscription.get("active")),
            "publishers_agree": bool(subscription.get("publishers_agree")),
            "webhook": {k: hook[k] for k in ("url", "active", "parked")} if hook else None})
    return {"items": items, "next_cursor": None}


def parked_deliveries(call):
    page = call.notifications.parked_bureau_webhooks(
        {"bureau": call.path["bureau"], "after": call.query["after"],
         "limit": call.query["limit"]})
    return {"items": page["items"], "next_cursor": page["next"]}


def requeue_deliveries(call):
    bureau = call.path["bureau"]
    answer = call.notifications.requeue_bureau_webhooks({"bureau": bureau,
                                                         "ids": call.body["ids"]})
    call.note(action="requeue", target=("bureau", bureau), force=True,
              detail={"requeued": answer["requeued"]})
    return answer


ROUTES = [
    route("list_bureaus", "GET", "/api/bureaus", allow(COUNTY_ONLY), list_bureaus,
          "订阅公开事件的其他部门（民政、妇联、公安、卫健等）：订阅的事件、回调地址、未送达数",
          TAG, response=views.Object, many=True),
    route("parked_bureau_deliveries", "GET", "/api/bureaus/<id:bureau>/parked",
          allow(COUNTY_ONLY), parked_deliveries,
          "某部门多次重试仍未送达的回调（最早的在前）", TAG, query=ParkedQuery,
          response=views.Object, many=True),
    route("requeue_bureau_deliveries", "POST", "/api/bureaus/<id:bureau>/requeue",
          allow(COUNTY_ONLY), requeue_deliveries,
          "重新发送某部门未送达的回调（全部，或 ids 指定的事件）", TAG, body=RequeueBody,
          response=views.Object),
]
