"""Test support for the activities service: a running service on the real broker and the
MongoDB stand-in, fed with registry and pairing events exactly as those services send them.

A `World` is one started ActivitiesService (own vhost, own database) shared by the tests of
a module; each test builds its own `School` (fresh ids), so tests do not see each other.
"""
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import pymongo
from nameko.containers import ServiceContainer
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy

from carekit.config import load_settings
from carekit.errors import parse_remote_error
from carekit.events.bus import ConfirmingPublisher, Outgoing
from carekit.events.envelope import CONTENT_TYPE, encode, new_envelope
from carekit.testing.plugin import wait_for

CHINA = timezone(timedelta(hours=8))
SUBSCRIBERS = "activities.service,tests.activities.subscriber"


def short():
    return uuid.uuid4().hex[:10]


def service_config(amqp_uri, mongo_uri, service="activities", database=None):
    env = {"AMQP_URI": amqp_uri, "MONGO_URI": mongo_uri, "CARE_ENV": "test",
           "MONGO_DATABASE": database or "t{}_{}".format(short()[:8], service),
           "EVENT_RETRY_DELAYS_MS": "50,100", "OUTBOX_POLL_SECONDS": "0.05",
           "SUBSCRIBER_MODULES": SUBSCRIBERS}
    return load_settings(service, env)


class World:
    """A started service plus the means to call it, feed it and look into its database."""

    def __init__(self, cls, config, mongo_uri):
        self.config = config
        self.client = pymongo.MongoClient(mongo_uri, tz_aware=True)
        self.db = self.client[config["MONGO_DATABASE"]]
        self.container = ServiceContainer(cls, config)
        self.container.start()
        self._rpc = ClusterRpcProxy(config)
        self.proxy = self._rpc.start()
        self.publisher = ConfirmingPublisher(config["AMQP_URI"])

    def stop(self):
        self._rpc.stop()
        self.publisher.close()
        self.container.stop()
        self.client.drop_database(self.config["MONGO_DATABASE"])
        self.client.close()

    # -- calling ---------------------------------------------------------------------------
    def call(self, method, payload):
        return getattr(self.proxy.activities, method)(payload)

    def error(self, method, payload):
        """Call, expecting a refusal; returns the error body {code, message, errors}."""
        try:
            result = self.call(method, payload)
        except RemoteError as exc:
            body = parse_remote_error(exc)
            assert body is not None, exc
            return body
        raise AssertionError("expected an error, got {!r}".format(result))

    # -- feeding -----------------------------------------------------------------------------
    def publish(self, source, envelopes):
        messages = [Outgoing(env["id"], "{}.events".format(source),
                             env["type"].split(".")[-2], encode(env), CONTENT_TYPE)
                    for env in envelopes]
        outcome = self.publisher.publish(messages)
        assert sorted(outcome.confirmed) == sorted(m.message_id for m in messages), outcome

    def events_named(self, name):
        return [doc["envelope"] for doc in self.db.event_log.find({"name": name})]


# -- registry and pairing events, as those services send them --------------------------------------
def envelope(source, name, data, subject=None):
    return new_envelope(source, name, data, subject=subject)


def school_event(school_id, township_id, version=1):
    return envelope("registry", "SchoolRegistered", {
        "school_id": school_id, "version": version, "code": school_id[-6:],
        "name": "测试小学", "county_id": "county-1", "township_id": township_id,
        "township_name": "城关镇"}, subject=school_id)


def class_event(class_id, school_id, township_id, grade, number, head_teacher_id=None):
    return envelope("registry", "ClassCreated", {
        "class_id": class_id, "version": 1, "school_id": school_id,
        "township_id": township_id, "grade": grade, "class_number": number,
        "name": "{}年级{}班".format(grade, number), "head_teacher_id": head_teacher_id},
        subject=class_id)


def child_data(child_id, school_id, class_id, township_id, version=1, status="active"):
    return {"child_id": child_id, "version": version, "name": "测试儿童", "gender": "female",
            "birth_date": "2015-05-01", "school_id": school_id, "class_id": class_id,
            "township_id": township_id, "grade": 3, "class_number": 1,
            "left_behind_type": "both_parents_away", "status": status,
            "household_id": "hh-" + child_id}


def child_registered(child_id, school_id, class_id, township_id, registered_on):
    return envelope("registry", "ChildRegistered", dict(
        child_data(child_id, school_id, class_id, township_id),
        registered_on=registered_on.isoformat()), subject=child_id)


def child_status_changed(data, status, version):
    return envelope("registry", "ChildStatusChanged", dict(
        data, version=version, status=status, previous_status=data["status"],
        reason_code="parents_returned", effective_date=date.today().isoformat()),
        subject=data["child_id"])


def staff_data(staff_id, school_id, township_id, version=1, active=True):
    return {"staff_id": staff_id, "version": version, "school_id": school_id,
            "township_id": township_id, "name": "测试教师", "roles": ["teacher"],
            "class_ids": [], "active": active}


def staff_registered(staff_id, school_id, township_id):
    return envelope("registry", "StaffRegistered", staff_data(staff_id, school_id, township_id),
                    subject=staff_id)


def staff_left(staff_id, school_id, township_id, version=2):
    return envelope("registry", "StaffLeft", dict(
        staff_data(staff_id, school_id, township_id, version=version, active=False),
        left_on=date.today().isoformat()), subject=staff_id)


def volunteer_registered(volunteer_id, school_id, township_id):
    return envelope("registry", "VolunteerRegistered", {
        "volunteer_id": volunteer_id, "version": 1, "name": "测试志愿者",
        "kind": "retired_teacher", "school_id": school_id, "township_id": township_id,
        "active": True}, subject=volunteer_id)


def pairing_data(kind, pairing_id, child_id, person_id, school_id, started_on):
    data = {"pairing_id": pairing_id, "child_id": child_id, "school_id": school_id,
            "started_on": started_on.isoformat()}
    data["teacher_id" if kind == "mentor" else "volunteer_id"] = person_id
    return data


def pairing_started(kind, **kwargs):
    name = "MentorAssigned" if kind == "mentor" else "ProxyParentAssigned"
    data = pairing_data(kind, **kwargs)
    if kind == "mentor":
        data["reason"] = "manual"
    return envelope("pairing", name, data, subject=data["child_id"])


def pairing_ended(kind, ended_on, **kwargs):
    name = "MentorReleased" if kind == "mentor" else "ProxyParentReleased"
    data = dict(pairing_data(kind, **kwargs), ended_on=ended_on.isoformat(), reason="released")
    return envelope("pairing", name, data, subject=data["child_id"])


@dataclass
class School:
    """A school with two classes, three teachers, a proxy-parent volunteer and four children:
    child 0 mentored by teacher 0 and proxy-parented by the volunteer, child 1 mentored by
    teacher 1, children 2-3 unpaired. Registered 100 days ago."""
    school_id: str
    township_id: str
    class_ids: list
    teacher_ids: list
    volunteer_id: str
    child_ids: list
    registered_on: date
    pairing_ids: list = field(default_factory=list)


def build_school(world, registered_days_ago=100):
    tag = short()
    school = School(school_id="sch-" + tag, township_id="tw-" + tag,
                    class_ids=["cls-{}-{}".format(tag, i) for i in range(2)],
                    teacher_ids=["tch-{}-{}".format(tag, i) for i in range(3)],
                    volunteer_id="vol-" + tag,
                    child_ids=["chd-{}-{}".format(tag, i) for i in range(4)],
                    registered_on=date.today() - timedelta(days=registered_days_ago))
    registry = [school_event(school.school_id, school.township_id)]
    registry += [class_event(c, school.school_id, school.township_id, 3, i + 1)
                 for i, c in enumerate(school.class_ids)]
    registry += [staff_registered(t, school.school_id, school.township_id)
                 for t in school.teacher_ids]
    registry.append(volunteer_registered(school.volunteer_id, school.school_id,
                                         school.township_id))
    registry += [child_registered(c, school.school_id, school.class_ids[i % 2],
                                  school.township_id, school.registered_on)
                 for i, c in enumerate(school.child_ids)]
    since = school.registered_on
    pairings = [("mentor", school.child_ids[0], school.teacher_ids[0]),
                ("proxy_parent", school.child_ids[0], school.volunteer_id),
                ("mentor", school.child_ids[1], school.teacher_ids[1])]
    pairing = []
    for kind, child_id, person_id in pairings:
        pairing_id = "pr-" + short()
        school.pairing_ids.append(pairing_id)
        pairing.append(pairing_started(kind, pairing_id=pairing_id, child_id=child_id,
                                       person_id=person_id, school_id=school.school_id,
                                       started_on=since))
    world.publish("registry", registry)
    world.publish("pairing", pairing)
    db = world.db
    wait_for(lambda: db.children.count_documents(
        {"_id": {"$in": school.child_ids}, "registered_on": {"$exists": True}}) == 4
        and db.staff.count_documents({"school_id": school.school_id}) == 3
        and db.volunteers.find_one({"_id": school.volunteer_id})
        and db.classes.count_documents({"school_id": school.school_id}) == 2
        and db.schools.find_one({"_id": school.school_id})
        and db.pairings.count_documents({"_id": {"$in": school.pairing_ids}}) == 3,
        message="the school's registry and pairing events to be projected")
    return school


def hours_ago(hours):
    return (datetime.now(CHINA) - timedelta(hours=hours)).isoformat(timespec="seconds")


def days_ago(days):
    return (date.today() - timedelta(days=days)).isoformat()


def published(world, name, **match):
    """The envelopes of `name` whose data has `match`, once published, each validated against
    the contract of its version (parse does; raises on a mismatch)."""
    from carekit.events.envelope import parse

    def found():
        return [env for env in world.events_named(name)
                if all(env["data"].get(k) == v for k, v in match.items())]
    envelopes = wait_for(found, message="{} {} to be published".format(name, match))
    for env in envelopes:
        parse(encode(env))
    return sorted(envelopes, key=lambda env: env["data"].get("revision") or 0)


def monday_before(days=7):
    today = date.today() - timedelta(days=days)
    return today - timedelta(days=today.weekday())
