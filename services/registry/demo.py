"""Demo data for a local run: a county with two townships, two schools with classes and
teachers (enrolment set, so the left-behind share can be reported), a volunteer, and a
generated roster imported at each school (faker zh_CN: guardians' situation and literacy,
流动留守, boarding and lunch at school).

    .venv/bin/python -m registry.demo [--rows 60]

Talks to the running registry over RPC (AMQP_URI), like the gateway would. Idempotent: when
the demo county exists already it does nothing.
"""
import carekit  # noqa: F401  (quiets eventlet's deprecation notice)
import eventlet  # noqa: E402

eventlet.monkey_patch()  # noqa: E402

import argparse  # noqa: E402
import base64  # noqa: E402

from nameko.standalone.rpc import ClusterRpcProxy  # noqa: E402

from carekit.config import load_settings  # noqa: E402
from registry.sample_roster import RosterMaker, to_xlsx  # noqa: E402

SCHOOLS = [("01", "花明楼镇", "HML-01", "花明楼镇中心小学", ["刘老师", "陈老师", "周老师"]),
           ("02", "道林镇", "DL-01", "道林镇中心小学", ["何老师", "谢老师"])]


def load(registry, rows=60):
    if any(c["code"] == "430124" for c in registry.list_counties()):
        return "demo county exists: nothing to do"
    county = registry.create_county({"code": "430124", "name": "宁乡县"})
    summary = []
    for index, (t_code, t_name, code, name, teachers) in enumerate(SCHOOLS):
        township = registry.create_township({"county_id": county["id"], "code": t_code,
                                             "name": t_name})
        classes = [(grade, 1) for grade in range(1, 7)]
        sizes = [32 + (index * 7 + grade * 3) % 15 for grade, _ in classes]  # 班级人数
        school = registry.register_school({"township_id": township["id"], "code": code,
                                           "name": name, "enrolment": sum(sizes)})
        for position, (grade, number) in enumerate(classes):
            head = None
            if position < len(teachers):
                head = registry.register_staff({
                    "school_id": school["id"], "name": teachers[position],
                    "phone": "1390731{:04d}".format(index * 100 + position),
                    "roles": ["teacher", "head_teacher"]})["id"]
            registry.create_class({"school_id": school["id"], "grade": grade, "number": number,
                                   "head_teacher_id": head, "enrolment": sizes[position]})
        registry.register_volunteer({"school_id": school["id"], "name": "退休教师" + t_name[:1],
                                     "kind": "retired_teacher", "village": t_name + "中心村",
                                     "phone": "1370731{:04d}".format(index)})
        content = to_xlsx(RosterMaker(seed=index + 1).rows(rows, classes))
        result = registry.import_roster({
            "school_id": school["id"], "filename": "demo.xlsx", "mode": "valid_rows_only",
            "content_base64": base64.b64encode(content).decode("ascii")})
        summary.append("{}: {} children".format(name, result["created"]))
    return "; ".join(summary)


def main(argv=None):
    parser = argparse.ArgumentParser(description="load registry demo data")
    parser.add_argument("--rows", type=int, default=60)
    args = parser.parse_args(argv)
    config = load_settings("registry")
    with ClusterRpcProxy(config, context_data={"user_id": "demo"}) as proxy:
        print("registry demo data:", load(proxy.registry, args.rows))


if __name__ == "__main__":
    main()
