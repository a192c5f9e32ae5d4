"""Webhook signatures for bureaus that cannot speak AMQP.

A POST carries the public event as its body and
    X-Care-Event-Id:  the event's id (deduplicate on it)
    X-Care-Timestamp: Unix seconds when this attempt was signed
    X-Care-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>." + body)>
A receiver recomputes the signature over the exact bytes it received, compares in constant
time, and refuses a timestamp more than TOLERANCE_SECONDS away from its clock, so a captured
request cannot be played again later. Every retry is signed afresh.

A bureau's secret is derived (HMAC-SHA256 of the bureau's name and its onboarding generation
under the notifications service's WEBHOOK_SIGNING_KEY): stored nowhere, printed once when the
bureau is onboarded, changed by onboarding it again.
"""
import hashlib
import hmac

EVENT_HEADER = "X-Care-Event-Id"
TIMESTAMP_HEADER = "X-Care-Timestamp"
SIGNATURE_HEADER = "X-Care-Signature"
TOLERANCE_SECONDS = 300


def bureau_secret(signing_key, bureau, generation):
    return hmac.new(signing_key.encode("utf-8"),
                    "webhook\x00{}\x00{}".format(bureau, int(generation)).encode("utf-8"),
                    hashlib.sha256).hexdigest()


def signature(secret, timestamp, body):
    mac = hmac.new(secret.encode("utf-8"), str(int(timestamp)).encode("ascii") + b"." + body,
                   hashlib.sha256)
    return "v1=" + mac.hexdigest()


def signed_headers(secret, body, event_id, now):
    timestamp = int(now)
    return {"Content-Type": "application/cloudevents+json; charset=utf-8",
            EVENT_HEADER: event_id, TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature(secret, timestamp, body)}
