"""Registry event data for pairing tests (the shapes of carekit.contracts.registry)."""
import itertools

from carekit.events.catalogue import catalogue

TOWNSHIP = "tw-1"
COUNTY = "county-1"
_names = itertools.count(1)


def school(school_id="s1", version=1):
    return {"school_id": school_id, "version": version, "code": school_id, "name": "第{}小学".format(
        school_id), "county_id": COUNTY, "township_id": TOWNSHIP, "township_name": "城关镇"}


def klass(class_id, school_id="s1", head_teacher_id=None, version=1, grade=3, number=1):
    return {"class_id": class_id, "version": version, "school_id": school_id,
            "township_id": TOWNSHIP, "grade": grade, "class_number": number,
            "name": "{}年级{}班".format(grade, number), "head_teacher_id": head_teacher_id}


def child(child_id, version=1, school_id="s1", class_id="c1", status="active",
          household_id=None, name=None, **extra):
    data = {"child_id": child_id, "version": version, "name": name or "儿童{}".format(child_id),
            "gender": "female", "birth_date": "2016-05-01", "school_id": school_id,
            "class_id": class_id, "township_id": TOWNSHIP, "grade": 3, "class_number": 1,
            "left_behind_type": "both_parents_away", "status": status,
            "household_id": household_id or "h-" + child_id}
    data.update(extra)
    return data


def registered(child_id, registered_on="2026-09-01", **kw):
    return dict(child(child_id, **kw), registered_on=registered_on)


def updated(child_id, changed_fields=("name",), **kw):
    return dict(child(child_id, **kw), changed_fields=list(changed_fields))


def status_changed(child_id, status, previous_status="active", effective_date="2026-10-15",
                   reason_code="parents_returned", **kw):
    return dict(child(child_id, status=status, **kw), previous_status=previous_status,
                reason_code=reason_code, effective_date=effective_date)


def transferred(child_id, from_school_id="s1", from_class_id="c1", effective_date="2026-10-20",
                **kw):
    return dict(child(child_id, **kw), from_school_id=from_school_id,
                from_class_id=from_class_id, from_township_id=TOWNSHIP,
                effective_date=effective_date)


def staff(staff_id, version=1, school_id="s1", class_ids=(), roles=("teacher",), active=True,
          name=None, head_of=()):
    return {"staff_id": staff_id, "version": version, "school_id": school_id,
            "township_id": TOWNSHIP, "name": name or "老师{}".format(staff_id),
            "roles": list(roles), "class_ids": list(class_ids),
            "head_teacher_class_ids": list(head_of), "active": active}


def staff_left(staff_id, version=2, left_on="2026-10-30", **kw):
    return dict(staff(staff_id, version=version, active=False, **kw), left_on=left_on)


def volunteer(volunteer_id, version=1, school_id="s1", active=True, name=None):
    return {"volunteer_id": volunteer_id, "version": version, "name": name or "志愿者{}".format(
        volunteer_id), "kind": "retired_teacher", "school_id": school_id,
        "township_id": TOWNSHIP, "village": "东村", "active": active}


def volunteer_left(volunteer_id, version=2, left_on="2026-10-30", **kw):
    return dict(volunteer(volunteer_id, version=version, active=False, **kw), left_on=left_on)


def loaded(name, data, version=1):
    """What a handler receives: the data validated and loaded by the contract schema."""
    return catalogue.load(name, version, catalogue.to_wire(name, version, data))
