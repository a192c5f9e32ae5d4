"""python -m registry.rotate_keys [--batch N] [--limit N]: re-seal every stored ID number,
phone and e-mail of the registry under the first key of PII_ENCRYPTION_KEY and today's
PII_CIPHER (registry.rotation). Resumable and idempotent; prints what it did as JSON."""
import argparse
import json
import sys

from carekit.config import load_settings
from carekit.mongo import open_database
from registry.pii import vault_of
from registry.rotation import BATCH, rotate


def main(argv=None, out=sys.stdout):
    parser = argparse.ArgumentParser(prog="python -m registry.rotate_keys",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=BATCH, help="documents per read")
    parser.add_argument("--limit", type=int, default=None,
                        help="stop after this many documents per collection (run again to go on)")
    args = parser.parse_args(argv)
    config = load_settings("registry")
    client, db = open_database(config)
    try:
        report = rotate(db, vault_of(config), batch=args.batch, limit=args.limit)
    finally:
        client.close()
    json.dump({"cipher": config["PII_CIPHER"], "collections": report}, out, ensure_ascii=False)
    out.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
