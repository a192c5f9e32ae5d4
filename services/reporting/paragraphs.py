"""A school's own paragraphs of its work summary (aims, examples, plans …), kept per term and
section, woven into the generated summary."""
from reporting import storage as st
from reporting.scopes import check_reach, resolve

SECTION_NAMES = {"aims": "工作目标", "organisation": "组织领导", "practices": "主要做法",
                 "examples": "典型事例", "results": "取得的成效", "problems": "存在的问题",
                 "plans": "下一步打算"}


def set_paragraph(db, data, caller, now):
    check_reach(resolve(db, "school", data["school_id"]), caller)
    key = "{}:{}:{}".format(data["school_id"], data["term"], data["section"])
    text = data["text"].strip()
    if not text:
        db[st.PARAGRAPHS].delete_one({"_id": key})
    else:
        db[st.PARAGRAPHS].update_one({"_id": key}, {"$set": {
            "school_id": data["school_id"], "term": data["term"], "section": data["section"],
            "text": text, "by": data.get("by") or caller.get("user_id"), "updated_at": now}},
            upsert=True)
    return texts(db, data["school_id"], data["term"])


def of_school(db, data, caller):
    check_reach(resolve(db, "school", data["school_id"]), caller)
    return texts(db, data["school_id"], data["term"])


def texts(db, school_id, term):
    found = {d["section"]: d["text"] for d in db[st.PARAGRAPHS].find(
        {"school_id": school_id, "term": term})}
    return {"school_id": school_id, "term": term,
            "sections": {name: found.get(name, "") for name in SECTION_NAMES}}
