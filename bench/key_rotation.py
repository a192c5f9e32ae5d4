"""Key rotation benchmark: files/s of `registry.rotation.rotate` against a plain read-and-rewrite
of the same documents in the same run.

    .venv/bin/python bench/key_rotation.py [--files 2000] [--batch 200]

Its own nx-27017 server on a free port (or MONGO_URI). The county's files are sealed under an
old Fernet key (an ID, a parent's and a guardian's phone each); then, each from the same start:

 1. baseline: every document read in batches and written back unchanged with the same guarded
    bulk writes (the database work of a rotation, no cryptography);
 2. rotation to a new Fernet key (MultiFernet style: new first, old after);
 3. rotation from Fernet to SM4-GCM with HMAC-SM3 (a county moving suites);
 4. a second run of 3 (everything current: read and decrypt only, nothing written).
"""
import argparse
import base64
import os
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))

import pymongo  # noqa: E402
from pymongo import UpdateOne  # noqa: E402

from carekit.testing.local import NxServer  # noqa: E402
from registry.identity import compose_national_id  # noqa: E402
from registry.pii import Vault  # noqa: E402
from registry.rotation import rotate  # noqa: E402

HASH_KEY = "bench-hash-key-" + "x" * 32


def key():
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def seed(db, files, vault):
    db.children.drop()
    docs = []
    for i in range(files):
        number = compose_national_id("430124", date(2014, 1, 1) + timedelta(days=i // 50),
                                     i % 50, "male")
        phone = "139{:08d}".format(i)
        docs.append({"_id": "f{:06d}".format(i), "version": 1, "name": "儿童{}".format(i),
                     "national_id": vault.seal(number), "national_id_hash": vault.hash(number),
                     "parents": [{"relation": "father", "phone": vault.seal(phone)}],
                     "guardian": {"name": "监护人", "phone": vault.seal(phone)}})
    db.children.insert_many(docs)


def baseline(db, batch):
    last, count = None, 0
    while True:
        query = {"_id": {"$gt": last}} if last is not None else {}
        docs = list(db.children.find(query, {"national_id": 1, "parents": 1, "guardian": 1,
                                             "version": 1}).sort("_id", 1).limit(batch))
        if not docs:
            return count
        last = docs[-1]["_id"]
        db.children.bulk_write([UpdateOne({"_id": d["_id"], "version": d["version"]}, {"$set": {
            "national_id": d["national_id"], "national_id_hash": d["national_id"]["hash"],
            "parents": d["parents"], "guardian": d["guardian"]}}) for d in docs])
        count += len(docs)


def timed(label, work, files, reference=None):
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    rate = files / seconds
    ratio = "" if reference is None else "  ({:.2f} x baseline)".format(rate / reference)
    print("{:<44} {:>8.0f} files/s  {:>6.2f} s{}".format(label, rate, seconds, ratio))
    return rate, result


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args(argv)
    nx, mongo_uri = None, os.environ.get("MONGO_URI")
    if not mongo_uri:
        nx = NxServer()
        mongo_uri = nx.start()
    client = pymongo.MongoClient(mongo_uri)
    db = client["bench_rotation_{}".format(uuid.uuid4().hex[:6])]
    try:
        old, new = key(), key()
        print("{} files, batches of {}, {}".format(args.files, args.batch, mongo_uri))
        seed(db, args.files, Vault(old, HASH_KEY))
        base, _ = timed("baseline: read and rewrite unchanged", lambda: baseline(
            db, args.batch), args.files)
        _, report = timed("rotation to a new Fernet key", lambda: rotate(
            db, Vault([new, old], HASH_KEY), batch=args.batch), args.files, base)
        assert report["children"]["resealed"] == args.files
        seed(db, args.files, Vault(old, HASH_KEY))
        sm4 = Vault([new, old], HASH_KEY, "sm4-gcm")
        _, report = timed("rotation Fernet -> SM4-GCM + HMAC-SM3", lambda: rotate(
            db, sm4, batch=args.batch), args.files, base)
        assert report["children"]["resealed"] == args.files
        _, report = timed("second run (all current: nothing written)", lambda: rotate(
            db, sm4, batch=args.batch), args.files, base)
        assert report["children"]["resealed"] == 0
    finally:
        client.drop_database(db.name)
        client.close()
        if nx:
            nx.stop()


if __name__ == "__main__":
    main()
