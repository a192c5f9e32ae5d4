"""Fixtures: real local SMTP and HTTP servers (separate processes), and a network of the
real registry plus N notifications replicas sharing one movable clock."""
import json
import os
import socket
import subprocess
import sys
import uuid
from datetime import date, datetime, timedelta
from email import message_from_string
from email.policy import default as email_policy
from pathlib import Path

import pymongo
import pytest

from carekit.events.bus import ConfirmingPublisher, Outgoing
from carekit.events.envelope import CONTENT_TYPE, encode, new_envelope, parse
from carekit.events.records import EVENT_LOG
from carekit.testing.local import free_port
from carekit.testing.plugin import wait_for
from notifications.clock import CHINA, OffsetClock
from notifications.service import NotificationsService
from registry.service import RegistryService
from registry.tests.helpers import child_payload, national_id  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
ADMIN_USER = "admin-7"


class Receiver:
    def __init__(self, kind, port, path, process):
        self.kind, self.port, self.path, self.process = kind, port, path, process
        self.url = "http://127.0.0.1:{}/send".format(port)

    def received(self):
        text = self.path.read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def mails(self):
        """Received e-mails as (to, subject, body) with MIME decoded."""
        out = []
        for item in self.received():
            mail = message_from_string(item["data"], policy=email_policy)
            out.append((item["to"], str(mail["Subject"]),
                        mail.get_body(("plain",)).get_content().strip()))
        return out


def _listening(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def receivers(tmp_path):
    started = []

    def start(kind, status=200):
        port = free_port()
        path = tmp_path / "{}-{}.jsonl".format(kind, port)
        path.touch()
        args = [sys.executable, "-m", "tests.notifications.receivers", kind, str(port), str(path)]
        if kind == "http":
            args.append(str(status))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "services")]))
        process = subprocess.Popen(args, cwd=str(ROOT), env=env, stdout=subprocess.DEVNULL)
        started.append(process)
        wait_for(lambda: _listening(port), timeout=20, message="{} server".format(kind))
        return Receiver(kind, port, path, process)
    yield start
    for process in started:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def china(y, m, d, hh=9, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=CHINA)


class Network:
    """The real registry, N notifications replicas (one database, one clock), and the local
    SMTP / SMS / group-bot servers they deliver to."""

    def __init__(self, make_config, run_service, rpc, mongo_client, receivers, amqp_uri,
                 replicas=1, sms_status=200, start_at=None, **settings):
        self.clock = OffsetClock(start_at or datetime.now(CHINA))
        self.smtp, self.sms, self.bot = (receivers("smtp"), receivers("http", sms_status),
                                         receivers("http"))
        self.registry_config = make_config("registry", SUBSCRIBER_MODULES="notifications.service")
        self.config = make_config(
            "notifications", SUBSCRIBER_MODULES="notifications.service",
            NOTIFY_TICK_SECONDS=0.2, NOTIFY_RETRY_SECONDS="0.3,0.3", SMS_PROVIDER="http",
            SMS_HTTP_URL=self.sms.url, SMS_HTTP_TOKEN="test-token", SMTP_HOST="127.0.0.1",
            SMTP_PORT=self.smtp.port, NOTIFICATIONS_CLOCK=self.clock, **settings)
        run_service(RegistryService, self.registry_config)
        self.replicas = [run_service(NotificationsService, self.config) for _ in range(replicas)]
        self.db = mongo_client[self.config["MONGO_DATABASE"]]
        self.registry_db = mongo_client[self.registry_config["MONGO_DATABASE"]]
        self._rpc = rpc(self.config, context_data={"user_id": ADMIN_USER})
        proxy = self._rpc.start()
        self.registry, self.notifications = proxy.registry, proxy.notifications
        self.publisher = ConfirmingPublisher(self.config["AMQP_URI"])

    def close(self):
        self._rpc.stop()
        self.publisher.close()

    # -- a small county in the real registry ---------------------------------------------------
    def build_county(self):
        r = self.registry
        county = r.create_county({"code": "430124", "name": "宁乡县"})
        township = r.create_township({"county_id": county["id"], "code": "01",
                                      "name": "花明楼镇"})
        school = r.register_school({"township_id": township["id"], "code": "HML-01",
                                    "name": "花明楼镇中心小学"})
        staff = {}
        for key, name, phone, roles in (("head", "王老师", "13907310001", ["head_teacher"]),
                                        ("mentor", "刘老师", "13907310002", ["teacher"]),
                                        ("admin", "周校长", "13907310003", ["school_admin"])):
            staff[key] = r.register_staff({"school_id": school["id"], "name": name,
                                           "phone": phone, "roles": roles})
        klass = r.create_class({"school_id": school["id"], "grade": 3, "number": 2,
                                "head_teacher_id": staff["head"]["id"]})
        self.county = {"county": county, "township": township, "school": school,
                       "staff": staff, "classes": [klass], "schools": [school]}
        wait_for(lambda: self.db.staff.count_documents({}) == 3
                 and self.db.classes.count_documents({}) == 1
                 and self.db.schools.count_documents({}) == 1, timeout=30,
                 message="organisation projected")
        return self.county

    def register_child(self, seq=1, **overrides):
        child = self.registry.register_child(child_payload(self.county, seq=seq, **overrides))
        # the agenda entry is the handler's last write: after it the child is fully projected
        wait_for(lambda: self.db.agenda.find_one({"_id": "child:" + child["id"]}), timeout=30,
                 message="child projected")
        return child

    # -- events as the pairing and activities services send them ---------------------------------
    def publish(self, source, name, data, version=1, time=None):
        envelope = new_envelope(source, name, data, version=version, time=time)
        outcome = self.publisher.publish([Outgoing(envelope["id"], "{}.events".format(source),
                                                   name, encode(envelope), CONTENT_TYPE)])
        assert outcome.confirmed == [envelope["id"]], outcome
        return envelope

    def recommend(self, *children, withdraw=False, time=None):
        """A class's priority list (典型 children) as pairing announces it; waits until
        notifications has taken it in."""
        first = children[0]
        data = {"class_id": first["class_id"], "school_id": first["school_id"],
                "child_ids": [c["id"] for c in children], "by": ADMIN_USER}
        if withdraw:
            name, data = "PriorityWithdrawn", dict(data, reason="improved",
                                                   withdrawn_on=china_today())
        else:
            name, data = "PriorityRecommended", dict(data, added=data["child_ids"],
                                                     recommended_on=china_today())
        envelope = self.publish("pairing", name, data, time=time)
        self.wait_handled(envelope, "on_priority_" + ("withdrawn" if withdraw else "recommended"))
        return envelope

    def assign_mentor(self, child, teacher, started_on, pairing_id=None):
        return self.publish("pairing", "MentorAssigned", {
            "pairing_id": pairing_id or uuid.uuid4().hex, "child_id": child["id"],
            "child_name": child["name"], "school_id": child["school_id"],
            "class_id": child["class_id"], "started_on": started_on.isoformat(),
            "teacher_id": teacher["id"], "teacher_name": teacher["name"], "reason": "manual"})

    def wait_handled(self, envelope, handler, timeout=20):
        key = "{}:{}".format(envelope["id"], handler)
        return wait_for(lambda: self.db.processed_events.find_one({"_id": key, "status": "done"}),
                        timeout=timeout, message="{} handled".format(handler))

    # -- what happened ------------------------------------------------------------------------------
    def settled(self):
        """No subject due, none leased, nothing pending whose time has come: the replicas
        have done everything the clock allows."""
        now = self.clock.now().timestamp()
        return (self.db.agenda.count_documents({"next_due_at": {"$lte": now}}) == 0
                and self.db.agenda.count_documents({"lease_until": {"$gt": 0}}) == 0
                and self.db.notifications.count_documents(
                    {"status": "pending", "next_attempt_at": {"$lte": now}}) == 0
                and self.db.notifications.count_documents({"lease_until": {"$gt": 0}}) == 0)

    def wait_settled(self, timeout=30):
        wait_for(self.settled, timeout=timeout, interval=0.1, message="replicas settled")

    def events(self, name):
        return [parse(d["envelope"]) for d in self.db[EVENT_LOG].find({"name": name})]

    def inbox(self, staff_or_key, **query):
        kind, ident = (staff_or_key.split(":", 1) if isinstance(staff_or_key, str)
                       else ("staff", staff_or_key["id"]))
        return self.notifications.inbox(dict({"recipient_type": kind, "recipient_id": ident},
                                             **query))

    def sms_to(self, phone):
        return [r["body"] for r in self.sms.received() if r["body"]["to"] == phone]


@pytest.fixture
def network(make_config, run_service, rpc, mongo_client, receivers, amqp_uri):
    made = []

    def make(**kwargs):
        net = Network(make_config, run_service, rpc, mongo_client, receivers, amqp_uri, **kwargs)
        made.append(net)
        return net
    yield make
    for net in made:
        net.close()


def china_today():
    return datetime.now(CHINA).date()


__all__ = ["china", "china_today", "date", "timedelta", "pymongo"]
