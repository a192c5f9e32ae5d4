"""The shared hostile corpus (carekit.testing.hostile) against every notifications RPC, on a
service with county rules, preferences and a bureau webhook already set: each variant refused
with `validation_failed` naming the field, nothing changed.

These once got through (fixed by carekit.rpc.validated and its fields in notifications'
schemas): text with NUL or a lone surrogate (answered with the raw UnicodeEncodeError), ids
with a trailing newline (`^...$` regexes), a fractional `limit` or `expected_version`
(truncated), `by` taking any text."""
from carekit.testing import hostile
from notifications.service import NotificationsService

ADMIN = "county-admin"


def samples():
    recipient = {"recipient_type": "staff", "recipient_id": "t1"}
    one = {
        "inbox": dict(recipient, limit=10),
        "unread_count": recipient,
        "mark_read": dict(recipient, notification_ids=["n1"]),
        "delivery_log": {"child_id": "c1", "limit": 10},
        "get_preferences": recipient,
        "set_preferences": dict(recipient, channels=["inbox", "sms"], opt_out=False, by=ADMIN),
        "get_county_rules": {"county_id": "county1"},
        "set_county_rules": {"county_id": "county1", "by": ADMIN, "expected_version": 1,
                             "changes": {"contact_overdue": {"cadence": {
                                 "talk": {"every_days": 10}}}}},
        "set_county_template": {"county_id": "county1", "rule": "birthday", "by": ADMIN,
                                "text": "{{ child_name }}要过生日了\n请准备生日祝福。"},
        "preview_template": {"county_id": "county1", "rule": "birthday"},
        "set_parent_summary": {"child_id": "c1", "relations": ["father"], "by": ADMIN},
        "register_bureau_webhook": {"bureau": "gongan", "url": "https://gongan.example/hook",
                                    "generation": 2},
        "remove_bureau_webhook": {"bureau": "gongan"},
        "bureau_webhooks": {},
        "parked_bureau_webhooks": {"bureau": "gongan", "limit": 10},
        "requeue_bureau_webhooks": {"bureau": "gongan", "ids": ["p1"]},
    }
    return {method: [call] for method, call in one.items()}


def test_every_notifications_rpc_has_a_sample():
    assert set(hostile.rpc_methods(NotificationsService)) - set(hostile.KIT_RPCS) == \
        set(samples())


def test_the_shared_hostile_corpus_against_every_notifications_rpc(
        make_config, run_service, rpc, mongo_client):
    config = make_config("notifications", NOTIFY_TICK_SECONDS="3600")
    run_service(NotificationsService, config)
    db = mongo_client[config["MONGO_DATABASE"]]
    with rpc(config, timeout=60) as proxy:
        n = proxy.notifications
        n.set_county_rules({"county_id": "county1", "by": ADMIN, "changes": {}})
        n.set_preferences({"recipient_type": "staff", "recipient_id": "t1",
                           "channels": ["inbox"], "by": ADMIN})
        n.register_bureau_webhook({"bureau": "gongan", "url": "https://gongan.example/hook",
                                   "generation": 1})
        before = hostile.database_snapshot(db)
        findings = hostile.Attack(n, NotificationsService, samples=samples(),
                                  skip=hostile.KIT_RPCS).run()
    assert findings == [], "\n".join(map(str, findings))
    assert hostile.database_snapshot(db) == before
