"""python -m carekit.bureaus: the county's commands for other bureaus.

    onboard NAME --events ChildRegistered,VisitLogged|all [--education] [--webhook URL]
    offboard NAME
    list
    replay NAME [--since YYYY-MM-DD]
    asyncapi [-o FILE]

Settings (environment): AMQP_URI, an administrator's account on the county's vhost (RPC to
the services, replays); RABBITMQ_MANAGEMENT_URL (default http://<AMQP host>:15672/api);
RABBITMQ_ADMIN_USER / RABBITMQ_ADMIN_PASSWORD (default: AMQP_URI's); BUREAU_AMQP_ADDRESS,
host:port the bureaus connect to (printed with their credentials).
"""
import argparse
import json
import os
import sys
import urllib.parse

DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672//"


def _parser():
    parser = argparse.ArgumentParser(prog="python -m carekit.bureaus", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    onboard = commands.add_parser("onboard", help="a bureau joins (credentials printed once)")
    onboard.add_argument("name")
    onboard.add_argument("--events", required=True,
                         help="comma-separated public event names, or all")
    onboard.add_argument("--education", action="store_true",
                         help="education-side: also gets schools and school-only events")
    onboard.add_argument("--webhook", metavar="URL",
                         help="POST events to this HTTPS endpoint instead of an AMQP queue")
    offboard = commands.add_parser("offboard", help="remove a bureau's queue and account")
    offboard.add_argument("name")
    commands.add_parser("list", help="bureaus, their subscriptions and queue depths")
    replay = commands.add_parser("replay", help="send a bureau what it missed since a date")
    replay.add_argument("name")
    replay.add_argument("--since", help="China date YYYY-MM-DD (default: the whole log)")
    asyncapi = commands.add_parser("asyncapi", help="write the public AsyncAPI document")
    asyncapi.add_argument("-o", "--output", help="file (default: standard output)")
    parser.add_argument("--rpc-timeout", type=float, default=120.0)
    return parser


def county_from_environment(environ, rpc):
    from carekit.bureaus.broker import Api
    from carekit.bureaus.onboarding import County
    amqp_uri = environ.get("AMQP_URI", DEFAULT_AMQP)
    parsed = urllib.parse.urlsplit(amqp_uri)
    api = Api(environ.get("RABBITMQ_MANAGEMENT_URL",
                          "http://{}:15672/api".format(parsed.hostname or "127.0.0.1")),
              environ.get("RABBITMQ_ADMIN_USER", urllib.parse.unquote(parsed.username or "")),
              environ.get("RABBITMQ_ADMIN_PASSWORD",
                          urllib.parse.unquote(parsed.password or "")))
    vhost = urllib.parse.unquote(parsed.path[1:]) or "/"
    return County(api, vhost, amqp_uri, rpc)


def describe(told, address):
    lines = ["bureau {bureau} onboarded: {events}".format(
        bureau=told["bureau"], events=", ".join(told["events"])),
        "  education-side: {}".format("yes" if told["education"] else "no")]
    if told["delivery"] == "webhook":
        lines += ["  webhooks to {} — signing secret (shown once, give it to the bureau "
                  "over a secure channel):".format(told["url"]),
                  "    {}".format(told["secret"])]
    else:
        lines += ["  AMQP account (shown once, give it to the bureau over a secure channel):",
                  "    address:  {}".format(address),
                  "    vhost:    {}".format(told["vhost"]),
                  "    user:     {}".format(told["user"]),
                  "    password: {}".format(told["password"]),
                  "    queue:    {} (declare it passively; read and ack only)".format(
                      told["queue"])]
    lines.append("  contract: the AsyncAPI document (python -m carekit.bureaus asyncapi, or "
                 "GET /api/asyncapi.json on the gateway)")
    return "\n".join(lines)


def table(rows):
    out = ["{:<14} {:<8} {:>8} {:>9} {:<4} {:<7} {}".format(
        "bureau", "delivery", "messages", "consumers", "edu", "agreed", "events")]
    for row in rows:
        extra = ""
        if row["webhook"]:
            extra = "  [{} parked, {}]".format(row["webhook"]["parked"], row["webhook"]["url"])
        out.append("{:<14} {:<8} {:>8} {:>9} {:<4} {:<7} {}{}".format(
            row["bureau"], row["delivery"], row["messages"], row["consumers"],
            "yes" if row["education"] else "no", "yes" if row["publishers_agree"] else "NO",
            ",".join(row["events"]), extra))
    return "\n".join(out)


def main(argv=None, environ=None):
    args = _parser().parse_args(argv)
    environ = os.environ if environ is None else environ
    if args.command == "asyncapi":
        from carekit.bureaus import asyncapi
        if args.output:
            asyncapi.write(args.output)
        else:
            json.dump(asyncapi.document(), sys.stdout, ensure_ascii=False, indent=2,
                      sort_keys=True)
            print()
        return 0

    import eventlet
    eventlet.monkey_patch()
    from nameko.standalone.rpc import ClusterRpcProxy

    from carekit.bureaus import onboarding
    from carekit.bureaus.broker import ManagementError
    from carekit.events.bus import PublishFailed

    config = {"AMQP_URI": environ.get("AMQP_URI", DEFAULT_AMQP)}
    try:
        with ClusterRpcProxy(config, timeout=args.rpc_timeout) as rpc:
            county = county_from_environment(environ, rpc)
            if args.command == "onboard":
                told = onboarding.onboard(county, args.name, args.events.split(","),
                                          education=args.education, webhook=args.webhook)
                parsed = urllib.parse.urlsplit(config["AMQP_URI"])
                address = environ.get("BUREAU_AMQP_ADDRESS", "{}:{}".format(
                    parsed.hostname, parsed.port or 5672))
                print(describe(told, address))
            elif args.command == "offboard":
                onboarding.offboard(county, args.name)
                print("bureau {} removed: queue, account and webhook deleted".format(args.name))
            elif args.command == "list":
                print(table(onboarding.listing(county)))
            elif args.command == "replay":
                count = onboarding.replay(county, args.name, args.since)
                print("{} event(s) replayed to {}".format(count, args.name))
    except (onboarding.OnboardingError, ManagementError, PublishFailed) as exc:
        print("error: {}".format(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
