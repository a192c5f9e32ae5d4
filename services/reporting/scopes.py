"""A scope (county, township, school, class) as the read models know it, and whether the
caller may ask for it (the gateway passes the caller's reach in the RPC context)."""
from dataclasses import dataclass, field
from typing import Optional

from carekit.errors import NotFound
from reporting import storage as st

LEVEL_NAMES = {"county": "县", "township": "乡镇", "school": "学校", "class": "班级"}


@dataclass
class Scope:
    type: str
    id: str
    name: str
    county_id: str
    county_name: str = ""
    township_id: Optional[str] = None
    township_name: Optional[str] = None
    school_id: Optional[str] = None
    school_name: Optional[str] = None
    class_id: Optional[str] = None
    school_ids: list = field(default_factory=list)

    def child_filter(self):
        if self.type == "class":
            return {"class_id": self.class_id}
        return {"school_id": {"$in": self.school_ids}}

    def record_filter(self):
        """Records (care, diary, aid, activities ...) made in this scope's schools; for a
        class, the records about its children made there."""
        if self.type == "class":
            return {"school_id": self.school_id, "class_id": self.class_id}
        return {"school_id": {"$in": self.school_ids}}

    def describe(self):
        return {"type": self.type, "id": self.id, "name": self.name,
                "county_id": self.county_id, "county_name": self.county_name,
                "township_id": self.township_id, "township_name": self.township_name,
                "school_id": self.school_id, "school_name": self.school_name}


def _missing(kind):
    return NotFound(message="找不到该{}（或尚未同步）".format(LEVEL_NAMES[kind]))


def resolve(db, kind, ident):
    county_names = {d["_id"]: d["name"] for d in db[st.COUNTIES].find({}, {"name": 1})}
    if kind == "class":
        klass = db[st.CLASSES].find_one({"_id": ident})
        if klass is None:
            raise _missing(kind)
        scope = resolve(db, "school", klass["school_id"])
        scope.type, scope.id, scope.class_id = "class", ident, ident
        scope.name = "{}{}".format(scope.school_name, klass["name"])
        return scope
    if kind == "school":
        school = db[st.SCHOOLS].find_one({"_id": ident})
        if school is None:
            raise _missing(kind)
        township = db[st.TOWNSHIPS].find_one({"_id": school["township_id"]}) or {}
        return Scope("school", ident, school["name"], school["county_id"],
                     county_names.get(school["county_id"], ""), school["township_id"],
                     township.get("name") or school.get("township_name"), ident,
                     school["name"], school_ids=[ident])
    if kind == "township":
        township = db[st.TOWNSHIPS].find_one({"_id": ident})
        if township is None:
            raise _missing(kind)
        ids = [d["_id"] for d in db[st.SCHOOLS].find({"township_id": ident}, {"_id": 1})]
        return Scope("township", ident, township["name"], township["county_id"],
                     county_names.get(township["county_id"], ""), ident, township["name"],
                     school_ids=sorted(ids))
    county = db[st.COUNTIES].find_one({"_id": ident})
    ids = [d["_id"] for d in db[st.SCHOOLS].find({"county_id": ident}, {"_id": 1})]
    if county is None and not ids:
        raise _missing("county")
    return Scope("county", ident, (county or {}).get("name", ""), ident,
                 (county or {}).get("name", ""), school_ids=sorted(ids))


def check_reach(scope, context):
    """The gateway says whose request this is (`scope_county_id`, `scope_township_id`,
    `scope_school_id` in the RPC context): a scope outside that reach is answered as not
    found, like one that does not exist."""
    if context.get("scope_county_id") and scope.county_id != context["scope_county_id"]:
        raise _missing(scope.type)
    if context.get("scope_township_id") and scope.township_id != context["scope_township_id"]:
        raise _missing(scope.type)
    if context.get("scope_school_id") and scope.school_id != context["scope_school_id"]:
        raise _missing(scope.type)
