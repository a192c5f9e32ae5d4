"""The operator's command creates the county's first administrator, who can then log in."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_cli(world, *args, password=None):
    config = world.configs["gateway"]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "services"), AMQP_URI=config["AMQP_URI"],
               MONGO_URI=config["MONGO_URI"], MONGO_DATABASE=config["MONGO_DATABASE"],
               CARE_ENV="test")
    return subprocess.run([sys.executable, "-m", "gateway.cli"] + list(args), env=env,
                          input=(password or "") + "\n", capture_output=True, text=True,
                          timeout=120)


def test_create_admin_makes_a_county_admin_who_can_log_in(world):
    county = world.rpc.registry.list_counties()
    code = [c for c in county if c["id"] == world.ids["county"]][0]["code"]
    done = run_cli(world, "create-admin", "--username", "first.admin", "--county-code", code,
                   "--password-stdin", password="First-admin-2026")
    assert done.returncode == 0, done.stderr
    client = world.client("first.admin", "First-admin-2026")
    me = client.get("/api/session").json()["account"]
    assert me["role"] == "county_admin" and me["county_id"] == world.ids["county"]
    assert client.get("/api/schools").json()["items"]

    twice = run_cli(world, "create-admin", "--username", "first.admin", "--county-code", code,
                    "--password-stdin", password="First-admin-2026")
    assert twice.returncode != 0 and "该用户名已被使用" in twice.stderr
    weak = run_cli(world, "create-admin", "--username", "weak.admin", "--county-code", code,
                   "--password-stdin", password="123")
    assert weak.returncode != 0 and "密码至少" in weak.stderr
    unknown = run_cli(world, "create-admin", "--username", "lost.admin", "--county-code",
                      "999999", "--password-stdin", password="First-admin-2026")
    assert unknown.returncode != 0 and "找不到" in unknown.stderr
