"""The registry's MongoDB: collection names, indexes, the stored shape of a file, queries.

A child document is the sealed file (registry.files) plus bookkeeping: `version` (grows by
one per change, carried by every child event), `history` (every change: who, when, which
fields, old -> new, masked), `transfers` and `former_school_ids` (the read-only trace an old
school keeps). Arrays only ever grow by $addToSet of unique entries: the MongoDB stand-in
stores $push'ed subdocuments as JSON text.
"""
from carekit.documents import NO_OUTBOX, index as _index  # noqa: F401  (NO_OUTBOX: re-exported)
from registry.files import flags_of, guardian_of

COUNTIES, TOWNSHIPS, SCHOOLS, CLASSES = "counties", "townships", "schools", "classes"
CHILDREN, STAFF, VOLUNTEERS = "children", "staff", "volunteers"
PII_AUDIT, ROSTER_IMPORTS, PRINTS = "pii_audit", "roster_imports", "prints"
# pairing's pairings, projected from its events (registry.pairings)
MENTORS, BUDDIES, PROXY_PARENTS = "mentors", "buddies", "proxy_parents"
CARRIERS = [COUNTIES, TOWNSHIPS, SCHOOLS, CLASSES, CHILDREN, STAFF, VOLUNTEERS, PRINTS]


INDEXES = {
    COUNTIES: [_index("code", unique=True)],
    TOWNSHIPS: [_index("county_id", "code", unique=True)],
    SCHOOLS: [_index("township_id", "code", unique=True), _index("county_id")],
    CLASSES: [_index("school_id", "grade", "number", unique=True)],
    CHILDREN: [_index("national_id_hash", unique=True), _index("school_id", "class_id"),
               _index("household_id"), _index("former_school_ids")],
    STAFF: [_index("school_id")],
    VOLUNTEERS: [_index("school_id")],
    PII_AUDIT: [_index("subject_id", "at")],
    MENTORS: [_index("child_id")],
    BUDDIES: [_index("child_id")],
    PROXY_PARENTS: [_index("child_id")],
    PRINTS: [_index("school_id", "at")],
    ROSTER_IMPORTS: [_index("school_id", "at")],
}


# -- sealing: what is encrypted and how --------------------------------------------------------
def seal_file(file, vault):
    """Clear file -> stored fields: national ID and every phone sealed, plus the ID's hash."""
    stored = dict(file)
    stored["national_id"] = vault.seal(file["national_id"])
    stored["national_id_hash"] = stored["national_id"]["hash"]
    stored["parents"] = [dict(p, phone=vault.seal(p.get("phone"))) for p in file["parents"]]
    stored["guardian"] = dict(file["guardian"], phone=vault.seal(file["guardian"].get("phone")))
    return stored


def open_file(doc, vault, fields):
    """Stored child document -> clear file (only `fields`)."""
    file = {key: doc.get(key) for key in fields}
    file["national_id"] = vault.open(doc["national_id"])
    file["parents"] = [dict(p, phone=vault.open(p.get("phone"))) for p in doc.get("parents") or []]
    guardian = guardian_of(doc.get("guardian"))
    guardian["phone"] = vault.open(guardian.get("phone"))
    file["guardian"] = guardian
    return flags_of(file)  # the stand-in returns booleans as 1/0


def sealed_changes(old, new, vault):
    """$set for the top-level fields that differ between two clear files (sealed values)."""
    sealed = seal_file(new, vault)
    changed = {}
    for key, value in new.items():
        if old.get(key) != value:
            changed[key] = sealed[key]
            if key == "national_id":
                changed["national_id_hash"] = sealed["national_id_hash"]
    return changed


# -- queries -------------------------------------------------------------------------------------
def child_query(criteria):
    return {key: value for key, value in criteria.items() if value is not None}


def holder_of(db, national_id_hash, exclude_id=None):
    """The file holding an ID, by its hash or any of its hashes (a list: either suite's)."""
    query = {"national_id_hash": {"$in": national_id_hash} if isinstance(
        national_id_hash, list) else national_id_hash}
    if exclude_id:
        query["_id"] = {"$ne": exclude_id}
    return db[CHILDREN].find_one(query, {"school_id": 1, "name": 1})
