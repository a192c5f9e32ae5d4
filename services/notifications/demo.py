"""Demo for a local run: reminders arriving in the inbox for the demo county.

    .venv/bin/python -m notifications.demo [--wait 90]

The demo data (registry.demo) registers children today and pairs nobody, so by the default
rules nothing is due for 14 days. For the demo, the county's `unpaired` rule is set to remind
at once (after_days 0; a county setting like any other, shown by get_county_rules); the
reminders then reach the school admins or, where a school has none, the county bureau's
inbox, which this prints. Talks to the running services over RPC, like the gateway would.
"""
import carekit  # noqa: F401  (quiets eventlet's deprecation notice)
import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E402

import argparse  # noqa: E402
import time  # noqa: E402

from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from carekit.config import load_settings  # noqa: E402

DEMO_COUNTY_CODE = "430124"


def run(proxy, wait):
    county = next((c for c in proxy.registry.list_counties() if c["code"] == DEMO_COUNTY_CODE),
                  None)
    if county is None:
        return "no demo county: load registry.demo first"
    proxy.notifications.set_county_rules({"county_id": county["id"], "by": "demo", "changes": {
        "unpaired": {"after_days": 0, "escalate_after_days": 1}}})
    inbox = {"recipient_type": "county", "recipient_id": county["id"], "limit": 5}
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        page = proxy.notifications.inbox(inbox)
        if page["items"]:
            lines = ["  {}  {}".format(i["created_at_china"], i["title"]) for i in page["items"]]
            return "county inbox ({} unread):\n{}".format(page["unread"], "\n".join(lines))
        time.sleep(2)
    return "no reminder in the county inbox after {}s (see .run/logs/notifications.log)".format(
        wait)


def main(argv=None):
    parser = argparse.ArgumentParser(description="show reminders arriving for the demo data")
    parser.add_argument("--wait", type=int, default=90)
    args = parser.parse_args(argv)
    with ClusterRpcProxy(load_settings("gateway")) as proxy:
        print(run(proxy, args.wait))


if __name__ == "__main__":
    main()
