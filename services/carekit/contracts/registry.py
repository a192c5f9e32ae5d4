"""Events published by the registry: the county's organisation, child files, staff,
volunteers, and the printing of contact cards and forms.

What subscribers (pairing, activities, notifications, reporting) need for their own
projections, and nothing more. NEVER a clear national ID or phone number: a service that must
reach a person asks the registry at the moment it needs to.

Ordering: every entity event carries the entity's `version`, which grows by one with each
change of that entity (child, staff member, volunteer, class, school). Child events all carry
the child's full current snapshot (the CHILD_SNAPSHOT fields), so a subscriber can keep its
projection with `upsert_if_newer(coll, child_id, version, snapshot)` and ignore older events
arriving late.

Other bureaus: what of each event is public is declared on its decorator (`public=`,
carekit/events/public.py): for child events the pseudonym, township, age band, gender,
left-behind type, status and family situation (the school and grade for education-side
subscribers); townships and the county; schools for the education side only.

Versions: a published version never changes. Where facts were added, `version=2` sits beside
v1 and the registry publishes v2 only; an event log replayed from before carries v1. Every v2
keeps each v1 field with its name, type and meaning, so a consumer treats v1 and v2 data the
same and reads the additions with a default when they are absent (v1).

Vocabulary (stable codes; Chinese labels in registry.vocabulary):
- gender: male | female
- left_behind_type: both_parents_away | father_away | mother_away  (the same three in v2)
- child status: active | not_left_behind | graduated  (a transfer keeps the child active)
- guardian_health: healthy | elderly | weak | sick | disabled  (one value; in v2 derived from
  guardian_situation: healthy when it is empty, else its most serious member)
- guardian_situation (v2): any of elderly | weak | sick | disabled (老、弱、病、残)
- guardian_literacy: literate | semi_literate | illiterate
- printed form: contact_card | basic_info_form | buddy_card
- staff roles: teacher | head_teacher | school_admin
- volunteer kind: village_committee_member | retired_teacher | other
"""
from marshmallow import Schema, fields, validate

from carekit.events import event_schema

GENDERS = ("male", "female")
LEFT_BEHIND_TYPES = ("both_parents_away", "father_away", "mother_away")
CHILD_STATUSES = ("active", "not_left_behind", "graduated")
GUARDIAN_HEALTH = ("healthy", "elderly", "weak", "sick", "disabled")
GUARDIAN_LITERACY = ("literate", "semi_literate", "illiterate")
# most serious last: guardian_health (one value) is the last of guardian_situation in this order
GUARDIAN_SITUATIONS = ("elderly", "weak", "sick", "disabled")
FORMS = ("contact_card", "basic_info_form", "buddy_card")
STAFF_ROLES = ("teacher", "head_teacher", "school_admin")
VOLUNTEER_KINDS = ("village_committee_member", "retired_teacher", "other")
SPECIAL_NEEDS = ("health", "disability", "psychological")
STATUS_REASONS = ("parents_returned", "graduated", "reactivated", "parents_left_again", "other")

_id = dict(required=True, validate=validate.Length(min=1, max=64))
_version = dict(required=True, validate=validate.Range(min=1))
_enrolment = dict(allow_none=True, load_default=None, validate=validate.Range(min=0, max=20000))


def _public_child(*extra_facts, dates=(), org=(), education=()):
    """What other bureaus see of a child event (carekit.events.public): the child's
    pseudonym, township, age band, gender, left-behind type, status and family situation;
    the school and grade for education-side subscribers only. Never the name, ID number,
    birth date, class, guardian, parents or notes."""
    return dict(child="child_id",
                keep=("gender", "left_behind_type", "status", "family_hardship",
                      "low_income_registered") + tuple(extra_facts),
                org=("township_id",) + tuple(org), age="birth_date", dates=tuple(dates),
                education=("school_id", "grade") + tuple(education))


# Mixins go first among the bases: marshmallow then lists their fields last, as before.
class _Changed(Schema):
    """An update event names the fields that changed; it carries the full current state."""
    changed_fields = fields.List(fields.String(), required=True)


class _Leaving(Schema):
    """A person stopped serving the school (active is false)."""
    left_on = fields.Date(required=True)
    reason = fields.String(allow_none=True, load_default=None)


class ParentFacts(Schema):
    """A migrant parent, without name or phone."""
    relation = fields.String(required=True, validate=validate.OneOf(("father", "mother")))
    work_province = fields.String(allow_none=True, load_default=None)
    work_city = fields.String(allow_none=True, load_default=None)
    occupation = fields.String(allow_none=True, load_default=None)
    home_frequency = fields.String(allow_none=True, load_default=None)  # e.g. 每年春节回家


class ChildSnapshot(Schema):
    """Every child event carries these: the child as the registry now holds it."""
    child_id = fields.String(**_id)
    version = fields.Integer(**_version)
    name = fields.String(required=True)
    gender = fields.String(required=True, validate=validate.OneOf(GENDERS))
    birth_date = fields.Date(required=True)
    school_id = fields.String(**_id)
    class_id = fields.String(**_id)
    township_id = fields.String(**_id)
    grade = fields.Integer(required=True, validate=validate.Range(min=1, max=12))
    class_number = fields.Integer(required=True, validate=validate.Range(min=1))
    left_behind_type = fields.String(required=True, validate=validate.OneOf(LEFT_BEHIND_TYPES))
    status = fields.String(required=True, validate=validate.OneOf(CHILD_STATUSES))
    household_id = fields.String(required=True)  # siblings in the county share it
    guardian_relation = fields.String(allow_none=True, load_default=None)
    guardian_health = fields.String(allow_none=True, load_default=None,
                                    validate=validate.OneOf(GUARDIAN_HEALTH))
    guardian_literacy = fields.String(allow_none=True, load_default=None,
                                      validate=validate.OneOf(GUARDIAN_LITERACY))
    family_hardship = fields.Boolean(load_default=False)
    low_income_registered = fields.Boolean(load_default=False)
    special_needs = fields.List(fields.String(validate=validate.OneOf(SPECIAL_NEEDS)),
                                load_default=list)
    parents = fields.List(fields.Nested(ParentFacts), load_default=list)


@event_schema("registry", "SchoolRegistered", version=1, public=dict(
    org=("school_id", "code", "name", "county_id", "township_id"), education_only=True))
class SchoolRegisteredV1(Schema):
    """A school joined the county's care network."""
    school_id = fields.String(**_id)
    version = fields.Integer(**_version)
    code = fields.String(required=True)
    name = fields.String(required=True)
    county_id = fields.String(**_id)
    township_id = fields.String(**_id)
    township_name = fields.String(required=True)


@event_schema("registry", "SchoolUpdated", version=1, public=dict(
    org=("school_id", "code", "name", "county_id", "township_id"), education_only=True))
class SchoolUpdatedV1(_Changed, SchoolRegisteredV1):
    """A school's name or code changed; carries its full current state."""


@event_schema("registry", "ClassCreated", version=1)
class ClassCreatedV1(Schema):
    """A class (grade + number) was opened in a school."""
    class_id = fields.String(**_id)
    version = fields.Integer(**_version)
    school_id = fields.String(**_id)
    township_id = fields.String(**_id)
    grade = fields.Integer(required=True, validate=validate.Range(min=1, max=12))
    class_number = fields.Integer(required=True, validate=validate.Range(min=1))
    name = fields.String(required=True)  # e.g. 三年级2班
    head_teacher_id = fields.String(allow_none=True, load_default=None)


@event_schema("registry", "ClassUpdated", version=1)
class ClassUpdatedV1(_Changed, ClassCreatedV1):
    """A class changed (typically its head teacher); carries the class's full current state."""


@event_schema("registry", "ChildRegistered", version=1,
              public=_public_child(dates=("registered_on",)))
class ChildRegisteredV1(ChildSnapshot):
    """A child's file (一生一档) was opened."""
    registered_on = fields.Date(required=True)


@event_schema("registry", "ChildUpdated", version=1, public=_public_child())
class ChildUpdatedV1(ChildSnapshot):
    """A child's file changed. `changed_fields` names every changed field (dotted paths such
    as guardian.phone); values of sensitive fields are never carried, only their names."""
    changed_fields = fields.List(fields.String(), required=True,
                                 validate=validate.Length(min=1))


@event_schema("registry", "ChildStatusChanged", version=1, public=_public_child(
    "previous_status", "reason_code", dates=("effective_date",)))
class ChildStatusChangedV1(ChildSnapshot):
    """A child stopped being left-behind, graduated, or was reactivated (`status` is the new
    status)."""
    previous_status = fields.String(required=True, validate=validate.OneOf(CHILD_STATUSES))
    reason_code = fields.String(required=True, validate=validate.OneOf(STATUS_REASONS))
    reason = fields.String(allow_none=True, load_default=None)
    effective_date = fields.Date(required=True)


@event_schema("registry", "ChildTransferred", version=1, public=_public_child(
    dates=("effective_date",), org=("from_township_id",), education=("from_school_id",)))
class ChildTransferredV1(ChildSnapshot):
    """A child's file moved to another school in the county (school_id/class_id/township_id
    are the new ones). Pairings at the old school should end."""
    from_school_id = fields.String(**_id)
    from_class_id = fields.String(**_id)
    from_township_id = fields.String(**_id)
    effective_date = fields.Date(required=True)
    reason = fields.String(allow_none=True, load_default=None)


class StaffFacts(Schema):
    staff_id = fields.String(**_id)
    version = fields.Integer(**_version)
    school_id = fields.String(**_id)
    township_id = fields.String(**_id)
    name = fields.String(required=True)
    gender = fields.String(allow_none=True, load_default=None, validate=validate.OneOf(GENDERS))
    roles = fields.List(fields.String(validate=validate.OneOf(STAFF_ROLES)), required=True)
    # Classes this person heads at the moment of the event. The class owns its head teacher:
    # ClassCreated/ClassUpdated.head_teacher_id is the authoritative source.
    head_teacher_class_ids = fields.List(fields.String(), load_default=list)
    class_ids = fields.List(fields.String(), load_default=list)  # classes taught
    subject = fields.String(allow_none=True, load_default=None)
    active = fields.Boolean(required=True)


@event_schema("registry", "StaffRegistered", version=1)
class StaffRegisteredV1(StaffFacts):
    """A teacher, head teacher or school admin was registered."""


@event_schema("registry", "StaffUpdated", version=1)
class StaffUpdatedV1(_Changed, StaffFacts):
    """A staff member changed (roles, classes...); carries the full current state."""


@event_schema("registry", "StaffLeft", version=1)
class StaffLeftV1(_Leaving, StaffFacts):
    """A staff member left the school (active is false): their pairings must end."""


class VolunteerFacts(Schema):
    volunteer_id = fields.String(**_id)
    version = fields.Integer(**_version)
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(VOLUNTEER_KINDS))
    school_id = fields.String(**_id)
    township_id = fields.String(**_id)
    village = fields.String(allow_none=True, load_default=None)
    active = fields.Boolean(required=True)


@event_schema("registry", "VolunteerRegistered", version=1)
class VolunteerRegisteredV1(VolunteerFacts):
    """A proxy-parent volunteer (代理家长) was registered."""


@event_schema("registry", "VolunteerLeft", version=1)
class VolunteerLeftV1(_Leaving, VolunteerFacts):
    """A volunteer stopped serving (active is false): their proxy-parent pairings end."""


# -- version 2: facts added by issue 10 --------------------------------------------------------
class _ChildFactsV2(Schema):
    """What v2 of every child event adds to the v1 snapshot."""
    # None: not recorded; []: none of 老弱病残 (guardian_health is then "healthy")
    guardian_situation = fields.List(
        fields.String(validate=validate.OneOf(GUARDIAN_SITUATIONS)), allow_none=True,
        load_default=None)
    # 流动留守: the child moved with a parent and is left with relatives away from home;
    # left_behind_type still says which parents are away
    migrant_left_behind = fields.Boolean(load_default=False)
    boards_at_school = fields.Boolean(allow_none=True, load_default=None)   # 住校; None: unknown
    lunch_at_school = fields.Boolean(allow_none=True, load_default=None)    # 在校就餐


@event_schema("registry", "ChildRegistered", version=2, public=_public_child(
    "migrant_left_behind", dates=("registered_on",)))
class ChildRegisteredV2(_ChildFactsV2, ChildRegisteredV1):
    """A child's file (一生一档) was opened (v2: guardian situation, 流动留守, boarding, lunch)."""


@event_schema("registry", "ChildUpdated", version=2,
              public=_public_child("migrant_left_behind"))
class ChildUpdatedV2(_ChildFactsV2, ChildUpdatedV1):
    """A child's file changed (v2: guardian situation, 流动留守, boarding, lunch). New
    changed_fields names: guardian.situation, migrant_left_behind, boards_at_school,
    lunch_at_school."""


@event_schema("registry", "ChildStatusChanged", version=2, public=_public_child(
    "migrant_left_behind", "previous_status", "reason_code", dates=("effective_date",)))
class ChildStatusChangedV2(_ChildFactsV2, ChildStatusChangedV1):
    """A child's status changed (v2: guardian situation, 流动留守, boarding, lunch)."""


@event_schema("registry", "ChildTransferred", version=2, public=_public_child(
    "migrant_left_behind", dates=("effective_date",), org=("from_township_id",),
    education=("from_school_id",)))
class ChildTransferredV2(_ChildFactsV2, ChildTransferredV1):
    """A child moved to another school (v2: guardian situation, 流动留守, boarding, lunch)."""


class _Enrolment(Schema):
    # total pupils (left-behind or not), so reports can give the left-behind share; None: not
    # recorded
    enrolment = fields.Integer(**_enrolment)


@event_schema("registry", "SchoolRegistered", version=2, public=dict(
    org=("school_id", "code", "name", "county_id", "township_id"), keep=("enrolment",),
    education_only=True))
class SchoolRegisteredV2(_Enrolment, SchoolRegisteredV1):
    """A school joined the care network (v2: enrolment)."""


@event_schema("registry", "SchoolUpdated", version=2, public=dict(
    org=("school_id", "code", "name", "county_id", "township_id"), keep=("enrolment",),
    education_only=True))
class SchoolUpdatedV2(_Enrolment, SchoolUpdatedV1):
    """A school changed (v2: enrolment; changed_fields may name it)."""


@event_schema("registry", "ClassCreated", version=2)
class ClassCreatedV2(_Enrolment, ClassCreatedV1):
    """A class was opened (v2: enrolment, the class's number of pupils)."""


@event_schema("registry", "ClassUpdated", version=2)
class ClassUpdatedV2(_Enrolment, ClassUpdatedV1):
    """A class changed: head teacher or enrolment (v2: enrolment)."""


# -- county and townships ----------------------------------------------------------------------
class CountyFacts(Schema):
    county_id = fields.String(**_id)
    version = fields.Integer(**_version)
    code = fields.String(required=True)   # e.g. the GB/T 2260 code 430124
    name = fields.String(required=True)


@event_schema("registry", "CountyRegistered", version=1,
              public=dict(org=("county_id", "code", "name")))
class CountyRegisteredV1(CountyFacts):
    """A county (县) joined the care network."""


@event_schema("registry", "CountyUpdated", version=1,
              public=dict(org=("county_id", "code", "name")))
class CountyUpdatedV1(_Changed, CountyFacts):
    """A county's name or code changed; carries its full current state."""


class TownshipFacts(Schema):
    township_id = fields.String(**_id)
    version = fields.Integer(**_version)
    county_id = fields.String(**_id)
    code = fields.String(required=True)
    name = fields.String(required=True)


@event_schema("registry", "TownshipRegistered", version=1,
              public=dict(org=("township_id", "county_id", "code", "name")))
class TownshipRegisteredV1(TownshipFacts):
    """A township (乡镇) was added to a county."""


@event_schema("registry", "TownshipUpdated", version=1,
              public=dict(org=("township_id", "county_id", "code", "name")))
class TownshipUpdatedV1(_Changed, TownshipFacts):
    """A township was renamed or recoded; carries its full current state. School events
    written before it carry the old township_name: take the name from here."""


# -- printing ----------------------------------------------------------------------------------
@event_schema("registry", "ContactCardIssued", version=1)
class ContactCardIssuedV1(Schema):
    """A contact card (联系卡) or form was printed for a child: one event per child on the
    printout. No personal data: ids, the kind of form, who and when. "建立联系卡 N 张" counts
    distinct child_id with form contact_card; the same print job shares one print_id."""
    print_id = fields.String(**_id)
    child_id = fields.String(**_id)
    school_id = fields.String(**_id)
    class_id = fields.String(**_id)
    form = fields.String(required=True, validate=validate.OneOf(FORMS))
    by = fields.String(required=True, validate=validate.Length(min=1, max=64))  # user id
    issued_at = fields.AwareDateTime(required=True)   # UTC instant
    issued_on = fields.Date(required=True)            # the China date of issued_at
