"""python -m gateway.demo — load the demo county through the running services (AMQP_URI)
and create the demo logins in the gateway's database (MONGO_URI); prints the logins.
Loading again adds nothing. Refuses to run with CARE_ENV=production."""
import carekit  # noqa: F401  (quiets eventlet's deprecation notice)
import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E402

import sys  # noqa: E402
import time  # noqa: E402

from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from carekit.config import load_settings  # noqa: E402
from carekit.mongo import open_database  # noqa: E402
from gateway.accounts import AccountStore  # noqa: E402
from gateway.demo import spec  # noqa: E402
from gateway.demo.steps import Demo, load  # noqa: E402


def main():
    config = load_settings("gateway")
    if config["CARE_ENV"] == "production":
        print("the demo county is not loaded in production", file=sys.stderr)
        return 2
    client, db = open_database(config)
    started = time.monotonic()
    try:
        with ClusterRpcProxy(config, context_data={"user_id": "demo"}, timeout=120) as rpc:
            print("demo county {} {}:".format(*spec.COUNTY))
            counts = load(Demo(rpc, AccountStore(db)))
    finally:
        client.close()
    added = ", ".join("{} {}".format(n, what) for what, n in counts.items() if n) or "nothing"
    print("demo county loaded in {:.0f} s; added: {}".format(time.monotonic() - started, added))
    print("demo logins (password {}):".format(spec.PASSWORD))
    for username, role, title in spec.LOGINS:
        print("  {:<16} {}".format(username, title))
    return 0


if __name__ == "__main__":
    sys.exit(main())
