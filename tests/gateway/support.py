"""A running system for the gateway tests: registry, pairing, activities, notifications and
reporting and the gateway on their own vhost and databases, a small county built through the
services' RPCs, one account per role, and an HTTP client that logs in like a browser or a
program.

The county (ids in `World.ids`):
  township T1: school A — class A1 (head teacher H), class A2 (taught by teacher T);
               children a1 (A1; mentored by T, proxy parent V), a2 (A1), a3 (A2)
  township T2: school B — class B1; child b1
Accounts (password PASSWORD): county_admin, analyst, township_admin (T1), school_admin (A),
head_teacher (H), teacher (T), volunteer (V), school_admin_b (B).
"""
import uuid
from datetime import date, datetime, timedelta, timezone

import pymongo
import requests
from nameko.containers import ServiceContainer
from nameko.standalone.rpc import ClusterRpcProxy

from carekit.config import load_settings
from carekit.run import service_class
from carekit.testing.local import free_port
from carekit.testing.plugin import wait_for
from gateway.accounts import AccountStore
from registry.identity import compose_national_id

PASSWORD = "Care-network-2026"
BACKENDS = ("pairing", "activities", "notifications", "reporting", "registry")
ROLES = ("county_admin", "analyst", "township_admin", "school_admin", "head_teacher",
         "teacher", "volunteer")


def config_for(service, amqp_uri, mongo_uri, run_id, **extra):
    env = {"AMQP_URI": amqp_uri, "MONGO_URI": mongo_uri, "CARE_ENV": "test",
           "MONGO_DATABASE": "t{}_{}".format(run_id, service),
           "EVENT_RETRY_DELAYS_MS": "50,100", "OUTBOX_POLL_SECONDS": "0.05"}
    env.update({k: str(v) for k, v in extra.items()})
    config = load_settings(service, env)
    config.update({k: v for k, v in extra.items() if k not in config})
    return config


CHINA = timezone(timedelta(hours=8))


def now_iso():
    """This moment with its offset (a time without one is read as Beijing time)."""
    return datetime.now(CHINA).isoformat(timespec="seconds")


def china_today():
    return datetime.now(CHINA).date().isoformat()


class Client:
    """HTTP to the gateway. A login keeps the session cookie (sent by hand: the cookie is
    Secure and this is plain http on 127.0.0.1) and the CSRF token."""

    def __init__(self, base):
        self.base = base
        self.http = requests.Session()
        self.cookie = self.csrf = self.token = None

    def login(self, username, password=PASSWORD):
        response = self.http.post(self.base + "/api/session",
                                  json={"username": username, "password": password})
        if response.status_code == 200:
            self.cookie = response.cookies.get("care_session")
            self.csrf = response.json()["csrf_token"]
        return response

    def request(self, method, path, csrf=True, **kwargs):
        headers = dict(kwargs.pop("headers", None) or {})
        if self.token:
            headers.setdefault("Authorization", "Bearer " + self.token)
        if self.cookie:
            headers.setdefault("Cookie", "care_session=" + self.cookie)
        if self.csrf and csrf:
            headers.setdefault("X-CSRF-Token", self.csrf)
        return self.http.request(method, self.base + path, headers=headers, timeout=60,
                                 **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)


class World:
    def __init__(self, amqp_uri, mongo_uri, **gateway_settings):
        self.run_id = uuid.uuid4().hex[:8]
        self.mongo = pymongo.MongoClient(mongo_uri, tz_aware=True)
        self.configs = {s: config_for(s, amqp_uri, mongo_uri, self.run_id) for s in BACKENDS}
        self.configs["notifications"] = config_for("notifications", amqp_uri, mongo_uri,
                                                   self.run_id, NOTIFY_TICK_SECONDS=0.5)
        self.port = free_port()
        self.configs["gateway"] = config_for(
            "gateway", amqp_uri, mongo_uri, self.run_id,
            WEB_SERVER_ADDRESS="127.0.0.1:{}".format(self.port), **gateway_settings)
        self.containers = []
        for service in BACKENDS + ("gateway",):  # subscribers first: their queues exist
            container = ServiceContainer(service_class(service), self.configs[service])
            container.start()
            self.containers.append(container)
        self.base = "http://127.0.0.1:{}".format(self.port)
        self._rpc = ClusterRpcProxy(self.configs["registry"], context_data={"user_id": "test"})
        self.rpc = self._rpc.start()
        self.gateway_db = self.mongo[self.configs["gateway"]["MONGO_DATABASE"]]
        self.accounts = AccountStore(self.gateway_db)
        self.ids = {}
        self._seq = 0

    def stop(self):
        self._rpc.stop()
        for container in reversed(self.containers):
            container.stop()
        for config in self.configs.values():
            self.mongo.drop_database(config["MONGO_DATABASE"])
        self.mongo.close()

    def client(self, username=None, password=PASSWORD):
        client = Client(self.base)
        if username:
            response = client.login(username, password)
            assert response.status_code == 200, response.text
        return client

    # -- building the county -------------------------------------------------------------------
    def national_id(self, born=date(2016, 5, 17), gender="male"):
        self._seq += 1
        return compose_national_id("430124", born, self._seq % 1000, gender)

    def child(self, school_id, class_id, name):
        payload = {
            "name": name, "national_id": self.national_id(), "school_id": school_id,
            "class_id": class_id, "left_behind_type": "father_away",
            "parents": [{"relation": "father", "name": "李建国", "work_province": "广东省",
                         "work_city": "东莞市", "phone": "13812345678"}],
            "guardian": {"name": "张桂英", "relation": "grandmother", "age": 66,
                         "phone": "13987654321", "address": "炭子冲村3组"}}
        return self.rpc.registry.register_child(payload)["id"]

    def build(self):
        r, ids = self.rpc.registry, self.ids
        ids["county"] = r.create_county({"code": "C" + self.run_id[:6], "name": "测试县"})["id"]
        ids["t1"] = r.create_township({"county_id": ids["county"], "code": "01",
                                       "name": "一镇"})["id"]
        ids["t2"] = r.create_township({"county_id": ids["county"], "code": "02",
                                       "name": "二镇"})["id"]
        ids["A"] = r.register_school({"township_id": ids["t1"], "code": "A", "name": "甲小学"})["id"]
        ids["B"] = r.register_school({"township_id": ids["t2"], "code": "B", "name": "乙小学"})["id"]
        ids["admin_staff"] = r.register_staff({"school_id": ids["A"], "name": "王校长",
                                               "roles": ["school_admin"]})["id"]
        ids["admin_staff_b"] = r.register_staff({"school_id": ids["B"], "name": "赵校长",
                                                 "roles": ["school_admin"]})["id"]
        ids["H"] = r.register_staff({"school_id": ids["A"], "name": "刘老师",
                                     "roles": ["teacher", "head_teacher"]})["id"]
        ids["A1"] = r.create_class({"school_id": ids["A"], "grade": 3, "number": 1,
                                    "head_teacher_id": ids["H"]})["id"]
        ids["A2"] = r.create_class({"school_id": ids["A"], "grade": 4, "number": 1})["id"]
        ids["B1"] = r.create_class({"school_id": ids["B"], "grade": 3, "number": 1})["id"]
        ids["T"] = r.register_staff({"school_id": ids["A"], "name": "陈老师", "roles": ["teacher"],
                                     "class_ids": [ids["A2"]]})["id"]
        ids["TB"] = r.register_staff({"school_id": ids["B"], "name": "周老师",
                                      "roles": ["teacher"], "class_ids": [ids["B1"]]})["id"]
        ids["V"] = r.register_volunteer({"school_id": ids["A"], "name": "退休李老师",
                                         "kind": "retired_teacher"})["id"]
        ids["a1"] = self.child(ids["A"], ids["A1"], "张小红")
        ids["a2"] = self.child(ids["A"], ids["A1"], "王小明")
        ids["a3"] = self.child(ids["A"], ids["A2"], "李小军")
        ids["b1"] = self.child(ids["B"], ids["B1"], "赵小花")
        self.pair("assign_mentor", {"child_id": ids["a1"], "teacher_id": ids["T"]})
        self.pair("assign_proxy_parent", {"child_id": ids["a1"], "volunteer_id": ids["V"]})
        # the class's 典型 children: within the default mentor scope, so a2 (no mentor) is a gap
        self.pair("recommend_priority", {"class_id": ids["A1"], "child_ids": [ids["a1"], ids["a2"]],
                                         "by": "seed"})
        self.accounts_for_roles()
        self.wait_activities_know(ids["a1"], ids["a3"], ids["b1"])
        return self

    def pair(self, method, payload):
        """Pairing learns of new files from events: retry until it knows them."""
        def attempt():
            try:
                return getattr(self.rpc.pairing, method)(payload)
            except Exception:
                return None
        return wait_for(attempt, timeout=30, message="pairing.{}".format(method))

    def wait_activities_know(self, *child_ids):
        """Activities accepts records about children it has heard of."""
        db = self.mongo[self.configs["activities"]["MONGO_DATABASE"]]
        wait_for(lambda: all(db.children.find_one({"_id": c}) for c in child_ids),
                 timeout=30, message="activities to know the children")

    def account(self, username, role, **scope):
        data = {"username": username, "display_name": username, "role": role,
                "county_id": self.ids["county"]}
        data.update(scope)
        self.accounts.create(data, PASSWORD, created_by="test")
        return username

    def accounts_for_roles(self):
        ids = self.ids
        school_a = dict(township_id=ids["t1"], school_id=ids["A"])
        self.account("county.admin", "county_admin")
        self.account("analyst", "analyst")
        self.account("township.admin", "township_admin", township_id=ids["t1"])
        self.account("school.admin", "school_admin", person_type="staff",
                     person_id=ids["admin_staff"], **school_a)
        self.account("head.teacher", "head_teacher", person_type="staff", person_id=ids["H"],
                     **school_a)
        self.account("teacher", "teacher", person_type="staff", person_id=ids["T"], **school_a)
        self.account("volunteer", "volunteer", person_type="volunteer", person_id=ids["V"],
                     **school_a)
        self.account("school.admin.b", "school_admin", person_type="staff",
                     person_id=ids["admin_staff_b"], township_id=ids["t2"], school_id=ids["B"])


LOGINS = {"county_admin": "county.admin", "analyst": "analyst",
          "township_admin": "township.admin", "school_admin": "school.admin",
          "head_teacher": "head.teacher", "teacher": "teacher", "volunteer": "volunteer"}
