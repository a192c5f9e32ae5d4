"""Demo pairings for a local run, on top of the registry's demo county: the county's policy
(mentors for the children each class recommends, as two of the three summaries do), each
class recommending its 4-5 children most in need, and a plan per school applied (mentors,
hand-in-hand friends).

    .venv/bin/python -m pairing.demo

Talks to the running services over RPC (AMQP_URI), like the gateway would; waits until
pairing has heard of the registry's demo children. Idempotent: when the county has a policy
already it does nothing.
"""
import carekit  # noqa: F401  (quiets eventlet's deprecation notice)
import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E402

import time  # noqa: E402

from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from carekit.config import load_settings  # noqa: E402

DEMO_COUNTY_CODE = "430124"


def _items(answer):
    return answer["items"] if isinstance(answer, dict) else answer


def _settled(pairing, school_ids, timeout=90):
    """Wait until pairing's projection of the schools stops growing."""
    last, deadline = None, time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = [pairing.coverage({"school_id": s})["children"] for s in school_ids]
        if all(now) and now == last:
            return now
        last = now
        time.sleep(2)
    raise SystemExit("pairing has not heard of the demo children (is the registry demo loaded?)")


def load(registry, pairing):
    county = next((c for c in registry.list_counties() if c["code"] == DEMO_COUNTY_CODE), None)
    if county is None:
        return "no demo county in the registry: nothing to do"
    if pairing.get_policy({"county_id": county["id"]})["version"] > 0:
        return "demo county has a pairing policy already: nothing to do"
    schools = [s["id"] for s in _items(registry.list_schools({"county_id": county["id"], "limit": 500}))]
    _settled(pairing, schools)
    pairing.set_policy({"county_id": county["id"], "mentor_scope": "recommended",
                        "by": "demo"})
    summary = []
    for school_id in schools:
        waiting = _items(pairing.unpaired_children({"school_id": school_id, "kind": "buddy",
                                                    "limit": 500}))
        by_class = {}
        for child in sorted(waiting, key=lambda c: (-c["need"], c["child_id"])):
            by_class.setdefault(child["class_id"], []).append(child["child_id"])
        for class_id, child_ids in sorted(by_class.items()):
            pairing.recommend_priority({"class_id": class_id, "child_ids": child_ids[:5],
                                        "by": "demo"})
        plan = pairing.propose_plan({"school_id": school_id, "by": "demo"})
        pairing.apply_plan({"plan_id": plan["plan_id"], "by": "demo"})
        counts = plan["summary"]
        summary.append("{}: {} mentors, {} friends".format(school_id[:8], counts["paired"],
                                                           counts["buddy_pairs"]))
    return "; ".join(summary)


def main():
    config = load_settings("pairing")
    with ClusterRpcProxy(config, context_data={"user_id": "demo"}) as proxy:
        print("pairing demo data:", load(proxy.registry, proxy.pairing))


if __name__ == "__main__":
    main()
