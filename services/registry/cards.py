"""Contact cards (联系卡): one printable card per child (two to an A4 page), per child or class;
and `Around`, what every printout needs beside the child files.

The card's purpose is reaching people, so it carries full phone numbers: printing is a reveal
and is recorded in the PII audit with its reason.
"""
from markupsafe import Markup

from registry import pairings, vocabulary as words
from registry import storage as st

# every table of a card has the same four columns, so labels and values line up
_COLUMNS = Markup('<colgroup><col style="width:16%"><col style="width:42%">'
                  '<col style="width:14%"><col style="width:28%"></colgroup>')


def _by_id(collection, ids, projection=None):
    ids = [i for i in set(ids) if i]
    return {d["_id"]: d for d in collection.find({"_id": {"$in": ids}},
                                                 projection or st.NO_OUTBOX)} if ids else {}


class Around:
    """The classes, schools, pairings and people around the opened files [(child_id, file)]:
    read in a few queries whatever the number of children."""

    def __init__(self, db, vault, opened, class_ids=()):
        self.vault = vault
        child_ids = [child_id for child_id, _ in opened]
        self.mentors, self.buddies, self.proxies = (
            pairings.current(db, kind, child_ids) for kind in ("mentor", "buddy", "proxy_parent"))
        class_ids = set(class_ids) | {f["class_id"] for _, f in opened} | {
            b.get("buddy_class_id") for docs in self.buddies.values() for b in docs}
        self.classes = _by_id(db[st.CLASSES], class_ids)
        self.schools = _by_id(db[st.SCHOOLS], [c["school_id"] for c in self.classes.values()] +
                              [f["school_id"] for _, f in opened])
        self.staff = _by_id(db[st.STAFF], [c.get("head_teacher_id") for c in
                                           self.classes.values()] +
                            [d["teacher_id"] for docs in self.mentors.values() for d in docs],
                            {"name": 1, "phone": 1})
        self.volunteers = _by_id(db[st.VOLUNTEERS], [d["volunteer_id"] for docs in
                                                     self.proxies.values() for d in docs],
                                 {"name": 1, "phone": 1, "village": 1})

    def _person(self, doc, name=None):
        if doc is None:
            return {"name": name, "phone": None} if name else None
        return {"name": doc["name"], "phone": self.vault.open(doc.get("phone")),
                "village": doc.get("village")}

    def head_teacher(self, class_id):
        return self._person(self.staff.get(self.classes[class_id].get("head_teacher_id")))

    def mentor(self, child_id):
        latest = (self.mentors.get(child_id) or [None])[0]
        return self._person(self.staff.get(latest["teacher_id"]),
                            latest.get("teacher_name")) if latest else None

    def proxy_parent(self, child_id):
        latest = (self.proxies.get(child_id) or [None])[0]
        return self._person(self.volunteers.get(latest["volunteer_id"]),
                            latest.get("volunteer_name")) if latest else None

    def buddies_of(self, child_id, class_id):
        """[{name, class_name (only when not the child's class), started_on}], oldest first."""
        found = []
        for doc in reversed(self.buddies.get(child_id) or []):
            other = doc.get("buddy_class_id")
            klass = self.classes.get(other) if other and other != class_id else None
            found.append({"name": doc["buddy_name"], "started_on": doc["started_on"],
                          "class_name": klass["name"] if klass else None})
        return found


def situation_label(guardian):
    situation = guardian.get("situation")
    if situation is None:
        return ""
    return "、".join(words.GUARDIAN_SITUATION[c] for c in situation) or words.HEALTHY_LABEL


def card_of(file, child_id, around):
    guardian = file["guardian"]
    return {
        "child_id": child_id, "name": file["name"],
        "school_name": around.schools[file["school_id"]]["name"],
        "class_name": around.classes[file["class_id"]]["name"],
        "gender": words.GENDER[file["gender"]], "birth_date": file["birth_date"],
        "left_behind_type": words.LEFT_BEHIND_TYPE[file["left_behind_type"]],
        "migrant": file.get("migrant_left_behind"), "address": guardian.get("address"),
        "guardian": {"name": guardian.get("name"), "age": guardian.get("age"),
                     "relation": words.label(words.GUARDIAN_RELATION, guardian.get("relation")),
                     "situation": situation_label(guardian),
                     "literacy": words.label(words.GUARDIAN_LITERACY, guardian.get("literacy")),
                     "phone": guardian.get("phone")},
        "parents": [{"relation": words.PARENT_RELATION[p["relation"]], "name": p.get("name"),
                     "place": "".join(filter(None, [p.get("work_province"), p.get("work_city")])),
                     "occupation": p.get("occupation"), "home_frequency": p.get("home_frequency"),
                     "phone": p.get("phone")} for p in file.get("parents") or []],
        "mentor": around.mentor(child_id),
        "head_teacher": around.head_teacher(file["class_id"]),
        "proxy_parent": around.proxy_parent(child_id),
        "buddies": around.buddies_of(child_id, file["class_id"]),
    }


def contact_cards(opened, around):
    """The template's context for the opened files, in the order given."""
    return {"cards": [card_of(file, child_id, around) for child_id, file in opened],
            "cols": _COLUMNS}
