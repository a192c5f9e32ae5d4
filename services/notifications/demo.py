"""Demo for a local run: reminders arriving in the inboxes of the demo county.

    .venv/bin/python -m notifications.demo [--wait 90]

The demo data pairs every recommended (典型) child with a mentor, so by the default rules
little is due on the first day. For the demo, the county's `unpaired` rule reminds at once
(after_days 0; a county setting like any other, shown by get_county_rules): children outside
the plan's reach reach the school admins, then the county bureau. What arrives in the county
inbox and in the staff inboxes of the first demo school (today's duty, birthdays, overdue
contacts, unpaired children) is printed. Talks to the running services over RPC, like the
gateway would.
"""
import carekit  # noqa: F401  (quiets eventlet's deprecation notice)
import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E402

import argparse  # noqa: E402
import time  # noqa: E402

from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from carekit.config import load_settings  # noqa: E402

DEMO_COUNTY_CODE = "430124"


def _pages(call, query):
    while True:
        page = call(query)
        yield from page["items"]
        if not page.get("next_cursor"):
            return
        query = dict(query, cursor=page["next_cursor"])


def _inboxes(proxy, county):
    """(label, inbox query) for the county bureau and the staff of the county's first school."""
    yield "县教育局", {"recipient_type": "county", "recipient_id": county["id"], "limit": 3}
    schools = list(_pages(proxy.registry.list_schools, {"county_id": county["id"], "limit": 50}))
    if not schools:
        return
    school = min(schools, key=lambda s: s["code"])
    for staff in _pages(proxy.registry.list_staff, {"school_id": school["id"], "limit": 200}):
        yield staff["name"], {"recipient_type": "staff", "recipient_id": staff["id"], "limit": 3}


def _arrived(proxy, inboxes):
    lines = []
    for label, query in inboxes:
        for item in proxy.notifications.inbox(query)["items"]:
            lines.append("  {}  {:<8} {}".format(item["created_at_china"], label, item["title"]))
    return lines


def run(proxy, wait):
    county = next((c for c in proxy.registry.list_counties() if c["code"] == DEMO_COUNTY_CODE),
                  None)
    if county is None:
        return "no demo county: load the demo first"
    proxy.notifications.set_county_rules({"county_id": county["id"], "by": "demo", "changes": {
        "unpaired": {"after_days": 0, "escalate_after_days": 1}}})
    inboxes = list(_inboxes(proxy, county))
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        lines = _arrived(proxy, inboxes)
        if lines:
            time.sleep(5)  # the sweep writes in batches: let this one finish
            lines = _arrived(proxy, inboxes)
            return "reminders in {} inboxes ({} shown):\n{}".format(
                len(inboxes), min(len(lines), 12), "\n".join(lines[:12]))
        time.sleep(2)
    return "no reminder in the demo inboxes after {}s (see .run/logs/notifications.log)".format(
        wait)


def main(argv=None):
    parser = argparse.ArgumentParser(description="show reminders arriving for the demo data")
    parser.add_argument("--wait", type=int, default=90)
    args = parser.parse_args(argv)
    with ClusterRpcProxy(load_settings("gateway")) as proxy:
        print(run(proxy, args.wait))


if __name__ == "__main__":
    main()
