"""Notifications to other bureaus: webhook deliveries of the public stream.

For a bureau (民政, 妇联, 公安, 卫健 …) that cannot speak AMQP, the notifications service
consumes its queue `webhook.<bureau>` and POSTs every public event, signed, to the bureau's
HTTPS endpoint; failures are retried with backoff, then parked for the county's
administrator. What bureaus get and how they join: carekit/bureaus/README.md.
"""
