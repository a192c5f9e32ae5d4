"""Where the reporting service keeps things (its own MongoDB database).

Read models (rebuilt from events by `python -m carekit.events.rebuild reporting`): one
document per entity of another service, as its newest event says (`version` / `revision`),
so a duplicate or late event changes nothing. Figures are counted from them per scope and
period when asked (figures.py). Dates are ISO text (`YYYY-MM-DD`, China dates: they compare
as text); instants are epoch seconds.

Kept by people, never rebuilt: the term calendar, schools' own paragraphs, report jobs and
their files.
"""
from pymongo import ASCENDING, DESCENDING, IndexModel

from carekit.documents import index

# -- read models --------------------------------------------------------------------------------
COUNTIES = "counties"
TOWNSHIPS = "townships"
SCHOOLS = "schools"
CLASSES = "classes"
STAFF = "staff"
VOLUNTEERS = "volunteers"
CHILDREN = "children"
CHILD_MOVES = "child_moves"          # registered / transferred / status changed, one per event
CARDS = "cards"                      # ContactCardIssued, one per print, child and form
POLICIES = "policies"                # pairing policy per county (mentor scope)
PRIORITY = "priority"                # 重点推荐 per child
PAIRINGS = "pairings"
CARE_RECORDS = "care_records"
AID = "aid"
DIARY = "diary"
ACTIVITIES = "activities"
DUTY_SESSIONS = "duty_sessions"      # activities' DutySessionHeld
DUTY_ROTAS = "duty_rotas"            # activities' DutyRotaSet
SUPPLIES = "supplies"                # activities' SuppliesDistributed
RADIO = "radio_episodes"             # activities' RadioEpisodeAired (红领巾广播台)
AWARDS = "awards"
ASSESSMENTS = "assessments"
REMINDERS = "reminders"

# -- kept by people -----------------------------------------------------------------------------
TERMS = "terms"
PARAGRAPHS = "paragraphs"            # a school's own paragraphs, per term and section
JOBS = "report_jobs"
FILES = "report_files"

CARRIERS = (JOBS,)                   # ReportGenerated rides on the finished job

INDEXES = {
    TERMS: [index("county_id", "starts_on")],
    SCHOOLS: [index("county_id"), index("township_id")],
    CHILDREN: [index("school_id", "status"), index("class_id"), index("county_id", "status")],
    CHILD_MOVES: [index("on")],
    CARDS: [index("school_id", "issued_on"), index("child_id")],
    PAIRINGS: [index("school_id", "kind", "status"), index("child_id")],
    CARE_RECORDS: [IndexModel([("school_id", ASCENDING), ("occurred_on", ASCENDING)]),
                   IndexModel([("child_id", ASCENDING), ("at", DESCENDING)])],
    AID: [index("school_id", "occurred_on")],
    DIARY: [index("school_id", "entry_date")],
    ACTIVITIES: [index("school_id", "held_on")],
    DUTY_SESSIONS: [index("school_id", "held_on")],
    SUPPLIES: [index("school_id", "distributed_on")],
    RADIO: [index("school_id", "aired_on")],
    AWARDS: [index("school_id", "granted_on")],
    ASSESSMENTS: [index("school_id", "term")],
    REMINDERS: [index("school_id", "on"), index("county_id", "on")],
    PARAGRAPHS: [index("school_id", "term")],
    JOBS: [index("status", "created_at")],
}
