"""Demo for a local run: the demo county's term calendar, the demo school's own paragraphs
for this term, and its work summary (.docx and .pdf) plus the county's 统计表 (.xlsx), made
by the running reporting service and written to a folder.

    .venv/bin/python -m reporting.demo [--out .run/reports] [--wait 180]

Run after `python -m gateway.demo` (infra/local/run.sh does). Talks to the services over
RPC, as the gateway does; running it again replaces the paragraphs and makes new files.
"""
import carekit  # noqa: F401  (quiets eventlet's deprecation notice)
import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E402

import argparse  # noqa: E402
import base64  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402
from datetime import date, datetime, timedelta, timezone  # noqa: E402

from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from carekit.config import load_settings  # noqa: E402

DEMO_COUNTY_CODE = "430124"
DEMO_SCHOOL = "花明楼镇中心小学"
CHINA = timezone(timedelta(hours=8))
# What a school writes itself (from the seed summaries), kept per term and woven in.
PARAGRAPHS = {
    "aims": "我校从实际出发，把为留守儿童营造健康、快乐、平等、和谐的成长环境，不断提高未成年人的"
            "综合素质立为“关爱留守儿童”温暖工程的工作宗旨，充分发挥学校在“关爱工程”中第一阵地的作用。",
    "organisation": "学校成立了以校长为组长的关爱工程领导小组，制订具体计划，实施留守儿童教育工作方案，"
                    "每月召开一次工作例会，研究解决留守儿童工作中的实际问题。",
    "examples": "六一节前夕，学校开展了“庆六一，关爱留守孩子”游园活动，为每个留守孩子送上学习用品；"
                "在留守孩子生日期间，全班同学为他献上生日祝福，送上自己制作的小贺卡。",
    "plans": "在今后的工作中，我们将不断完善关爱留守儿童工程的工作机制，对尚未联系的孩子逐一落实帮扶"
             "责任人，坚持结对老师轮流值日，把关爱留守儿童工作逐步推向深入。",
}


def school_year_terms(today):
    """The terms of last and this school year, with usual dates."""
    first = today.year if today.month >= 8 else today.year - 1
    terms = []
    for year in (first - 1, first):
        terms.append(("{}-{}-1".format(year, year + 1), date(year, 9, 1), date(year + 1, 1, 22)))
        terms.append(("{}-{}-2".format(year, year + 1), date(year + 1, 2, 20),
                      date(year + 1, 7, 5)))
    return terms


def current_term(terms, today):
    for code, start, end in terms:
        if start <= today <= end:
            return code
    return max((t for t in terms if t[1] <= today), key=lambda t: t[1])[0]


def wait_job(proxy, report_id, wait):
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        state = proxy.reporting.report_status({"report_id": report_id})
        if state["status"] in ("done", "failed"):
            return state
        time.sleep(1)
    return state


def run(proxy, out, wait, say=print):
    county = next((c for c in proxy.registry.list_counties() if c["code"] == DEMO_COUNTY_CODE),
                  None)
    if county is None:
        return "no demo county: run python -m gateway.demo first"
    today = datetime.now(CHINA).date()
    terms = school_year_terms(today)
    for code, start, end in terms:
        proxy.reporting.set_term({"county_id": county["id"], "term": code,
                                  "starts_on": start.isoformat(), "ends_on": end.isoformat()})
    term = current_term(terms, today)
    schools = proxy.registry.list_schools({"county_id": county["id"], "limit": 200})
    school = next(s for s in schools["items"] if s["name"] == DEMO_SCHOOL)
    deadline = time.monotonic() + wait
    while True:   # reporting learns the county from events: wait until it has the children
        try:
            figures = proxy.reporting.figures({"scope": "school", "scope_id": school["id"],
                                               "term": term})
            if figures["children"]["total"] and figures["contacts"]["total"]:
                break
        except Exception:
            pass
        if time.monotonic() > deadline:
            return "reporting has not caught up with the demo county after {}s".format(wait)
        time.sleep(2)
    for section, text in PARAGRAPHS.items():
        proxy.reporting.set_paragraph({"school_id": school["id"], "term": term,
                                       "section": section, "text": text, "by": "demo"})
    os.makedirs(out, exist_ok=True)
    written = []
    for kind, scope, ident, formats in (("summary", "school", school["id"], ("docx", "pdf")),
                                        ("summary", "county", county["id"], ("pdf",)),
                                        ("statistics", "county", county["id"], ("xlsx",))):
        job = proxy.reporting.request_report({"kind": kind, "scope": scope, "scope_id": ident,
                                              "term": term, "by": "demo"})
        state = wait_job(proxy, job["report_id"], wait)
        if state["status"] != "done":
            return "report {} not done: {}".format(job["report_id"], state)
        for fmt in formats:
            answer = proxy.reporting.download_report({"report_id": job["report_id"],
                                                      "format": fmt})
            path = os.path.join(out, answer["filename"])
            with open(path, "wb") as handle:
                handle.write(base64.b64decode(answer["content_base64"]))
            written.append("  {}  (report {})".format(path, job["report_id"]))
    return "work summary and statistics for {}:\n{}".format(term, "\n".join(written))


def main(argv=None):
    parser = argparse.ArgumentParser(description="the demo county's work summary")
    parser.add_argument("--out", default=".run/reports")
    parser.add_argument("--wait", type=int, default=180)
    args = parser.parse_args(argv)
    with ClusterRpcProxy(load_settings("gateway"), timeout=120) as proxy:
        print(run(proxy, args.out, args.wait))


if __name__ == "__main__":
    main()
