"""Registry events -> projection updates and reactions. One entry for every handler, so the
service and the tests feed events through the same code."""
from carekit.clock import iso


def take(desk, name, data):
    """Apply one registry event (`data` as loaded by its contract schema)."""
    registry = desk.store.registry
    if name in ("SchoolRegistered", "SchoolUpdated"):
        registry.school(data)
    elif name in ("ClassCreated", "ClassUpdated"):
        registry.school_class(data)
    elif name == "ChildRegistered":
        desk.child_changed(data, eligible_on=iso(data["registered_on"]))
    elif name == "ChildUpdated":
        desk.child_changed(data)
    elif name == "ChildStatusChanged":
        effective = iso(data["effective_date"])
        # back in the programme (reactivated): the wait for a mentor starts again that day
        desk.child_changed(data, happened_on=effective,
                           eligible_on=effective if data["status"] == "active" else None)
    elif name == "ChildTransferred":
        effective = iso(data["effective_date"])
        desk.child_changed(data, eligible_on=effective, happened_on=effective,
                           also_schools=[data["from_school_id"]])
    elif name in ("StaffRegistered", "StaffUpdated"):
        desk.staff_changed(data)
    elif name == "StaffLeft":
        desk.staff_changed(data, happened_on=iso(data["left_on"]))
    elif name == "VolunteerRegistered":
        desk.volunteer_changed(data)
    elif name == "VolunteerLeft":
        desk.volunteer_changed(data, happened_on=iso(data["left_on"]))
    else:
        raise ValueError("pairing does not take {}".format(name))


REGISTRY_EVENTS = ("SchoolRegistered", "SchoolUpdated", "ClassCreated", "ClassUpdated",
                   "ChildRegistered", "ChildUpdated", "ChildStatusChanged", "ChildTransferred",
                   "StaffRegistered", "StaffUpdated", "StaffLeft", "VolunteerRegistered",
                   "VolunteerLeft")
