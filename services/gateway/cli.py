"""Account commands for operators (settings from the environment, like the gateway):

    python -m gateway.cli create-admin --username NAME --county-code 430124 [--display-name 张三]
    python -m gateway.cli reset-password --username NAME
    python -m gateway.cli unlock --username NAME

The password is asked for twice, or read from the first line of stdin with --password-stdin.
create-admin makes the county's first administrator (who then creates every other account
through the API); it finds the county through the registry's RPC.
"""
import carekit  # noqa: F401  (quiets eventlet's deprecation notice)
import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E402

import argparse  # noqa: E402
import getpass  # noqa: E402
import sys  # noqa: E402

from carekit.config import ConfigError, load_settings  # noqa: E402
from carekit.mongo import open_database  # noqa: E402
from gateway import errors  # noqa: E402
from gateway.accounts import USERNAME, AccountStore  # noqa: E402
from gateway.sessions import LoginGuard, Sessions  # noqa: E402


def read_password(from_stdin):
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码: ")
    if getpass.getpass("再输入一次: ") != first:
        raise SystemExit("两次输入的密码不一致")
    return first


def find_county(config, code):
    from nameko.standalone.rpc import ClusterRpcProxy
    with ClusterRpcProxy(config, context_data={"user_id": "gateway-cli"}, timeout=30) as rpc:
        for county in rpc.registry.list_counties():
            if county["code"] == code:
                return county
    raise SystemExit("找不到编码为 {} 的县（先在学籍系统中登记，或运行演示数据）".format(code))


def create_admin(config, store, args):
    county_id = args.county_id or find_county(config, args.county_code)["id"]
    doc = store.create({"username": args.username, "display_name": args.display_name,
                        "role": "county_admin", "county_id": county_id},
                       read_password(args.password_stdin), created_by="gateway-cli")
    return "created county admin {} for county {}".format(doc["_id"], county_id)


def reset_password(config, store, args):
    if store.get(args.username) is None:
        raise SystemExit("no account named {}".format(args.username))
    store.set_password(args.username, read_password(args.password_stdin))
    Sessions(store.db, config).close_all(args.username)
    LoginGuard(store.db, config).succeeded(args.username)
    return "password of {} reset; its sessions and tokens ended".format(args.username)


def unlock(config, store, args):
    LoginGuard(store.db, config).succeeded(args.username)
    return "{} may log in again".format(args.username)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m gateway.cli", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    admin = commands.add_parser("create-admin", help="the county's first administrator")
    admin.add_argument("--username", required=True)
    admin.add_argument("--display-name", default="县教育局管理员")
    where = admin.add_mutually_exclusive_group(required=True)
    where.add_argument("--county-code")
    where.add_argument("--county-id")
    admin.add_argument("--password-stdin", action="store_true")
    for name in ("reset-password", "unlock"):
        command = commands.add_parser(name)
        command.add_argument("--username", required=True)
        command.add_argument("--password-stdin", action="store_true")
    args = parser.parse_args(argv)
    if not USERNAME.match(args.username):
        parser.error("username: 3-32 lower-case letters, digits, '.', '_' or '-'")
    try:
        config = load_settings("gateway")
    except ConfigError as exc:
        raise SystemExit("care-network: {}".format(exc))
    client, db = open_database(config)
    store = AccountStore(db)
    action = {"create-admin": create_admin, "reset-password": reset_password,
              "unlock": unlock}[args.command]
    try:
        print(action(config, store, args))
    except errors.ApiError as exc:
        problems = "; ".join("{}: {}".format(e["field"], e["message"]) for e in exc.errors)
        raise SystemExit("{}{}".format(exc.message, "（{}）".format(problems) if problems else ""))
    finally:
        client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
