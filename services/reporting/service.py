"""The reporting service: read models of every other service's events, figures per class,
school, township and county for a term or a date range, the 统计表 (.xlsx) and the semester
工作总结 (.docx, .pdf) made as jobs. Thin: handlers feed projection.py, RPCs validate their
argument (schemas.py) and call the domain modules. See README.md."""

import carekit.contracts.activities  # noqa: F401  (the events our handlers validate)
import carekit.contracts.notifications  # noqa: F401
import carekit.contracts.pairing  # noqa: F401
import carekit.contracts.registry  # noqa: F401
import carekit.contracts.reporting  # noqa: F401
from carekit.clock import utc_now
from carekit.events.handler import subscribe
from carekit.events.outbox import Outbox
from carekit.mongo import Database
from carekit.rpc import rpc, validated
from carekit.service import CareService
from reporting import dashboard, jobs, paragraphs, projection, schemas, terms
from reporting import storage as st
from reporting.wiring import Caller, job_tick

# What each handler's read model lives in (carekit.events.rebuild drops and replays them).
ORG = (st.COUNTIES, st.TOWNSHIPS, st.SCHOOLS, st.CLASSES)
PEOPLE = (st.STAFF, st.VOLUNTEERS)
CHILDREN = (st.CHILDREN, st.CHILD_MOVES)
PAIRING = (st.PAIRINGS, st.POLICIES, st.PRIORITY)
CARE = (st.CARE_RECORDS, st.AID)
GROUPS = (st.DIARY, st.ACTIVITIES, st.AWARDS, st.ASSESSMENTS)
DUTY = (st.DUTY_ROTAS, st.DUTY_SESSIONS, st.SUPPLIES, st.RADIO)


class ReportingService(CareService):
    name = "reporting"
    db = Database(indexes=st.INDEXES)
    outbox = Outbox(carriers=st.CARRIERS)
    caller = Caller()

    # -- term calendar --------------------------------------------------------------------------
    @rpc
    @validated(payload=schemas.TermInput)
    def set_term(self, payload):
        return terms.set_term(self.db, payload, utc_now())

    @rpc
    @validated(payload=schemas.TermRef)
    def delete_term(self, payload):
        return terms.delete_term(self.db, payload["county_id"], payload["term"])

    @rpc
    @validated(payload=schemas.CountyRef)
    def list_terms(self, payload):
        return terms.list_terms(self.db, payload["county_id"])

    @rpc
    @validated(payload=schemas.TermOn)
    def term_on(self, payload):
        return terms.term_on(self.db, payload["county_id"], payload["on"])

    # -- figures -------------------------------------------------------------------------------------
    @rpc
    @validated(payload=schemas.Period)
    def figures(self, payload):
        return dashboard.figures(self.db, payload, self.caller)

    @rpc
    @validated(payload=schemas.Period)
    def dashboard(self, payload):
        return dashboard.dashboard(self.db, payload, self.caller)

    # -- the school's own paragraphs of its work summary -----------------------------------------------
    @rpc
    @validated(payload=schemas.ParagraphInput)
    def set_paragraph(self, payload):
        return paragraphs.set_paragraph(self.db, payload, self.caller, utc_now())

    @rpc
    @validated(payload=schemas.ParagraphsRef)
    def paragraphs(self, payload):
        return paragraphs.of_school(self.db, payload, self.caller)

    # -- reports (statistics table, work summary) --------------------------------------------------------
    @rpc
    @validated(payload=schemas.ReportRequest)
    def request_report(self, payload):
        return jobs.request(self.db, payload, self.caller, utc_now())

    @rpc
    @validated(payload=schemas.JobRef)
    def report_status(self, payload):
        return jobs.status(self.db, payload["report_id"], self.caller)

    @rpc
    @validated(payload=schemas.FileRef)
    def download_report(self, payload):
        return jobs.download(self.db, payload["report_id"], payload["format"], self.caller)

    def _feed(self, event):
        projection.apply(self.db, event.id, event.name, event.data)

    @job_tick
    def run_jobs(self):
        return jobs.run_due(self.db, self.outbox)

    # -- registry ---------------------------------------------------------------------------------------
    @subscribe("registry", "CountyRegistered", owns=ORG)
    def on_county_registered(self, event):
        self._feed(event)

    @subscribe("registry", "CountyUpdated", owns=ORG)
    def on_county_updated(self, event):
        self._feed(event)

    @subscribe("registry", "TownshipRegistered", owns=ORG)
    def on_township_registered(self, event):
        self._feed(event)

    @subscribe("registry", "TownshipUpdated", owns=ORG)
    def on_township_updated(self, event):
        self._feed(event)

    @subscribe("registry", "SchoolRegistered", owns=ORG)
    def on_school_registered(self, event):
        self._feed(event)

    @subscribe("registry", "SchoolUpdated", owns=ORG)
    def on_school_updated(self, event):
        self._feed(event)

    @subscribe("registry", "ClassCreated", owns=ORG)
    def on_class_created(self, event):
        self._feed(event)

    @subscribe("registry", "ClassUpdated", owns=ORG)
    def on_class_updated(self, event):
        self._feed(event)

    @subscribe("registry", "StaffRegistered", owns=PEOPLE)
    def on_staff_registered(self, event):
        self._feed(event)

    @subscribe("registry", "StaffUpdated", owns=PEOPLE)
    def on_staff_updated(self, event):
        self._feed(event)

    @subscribe("registry", "StaffLeft", owns=PEOPLE)
    def on_staff_left(self, event):
        self._feed(event)

    @subscribe("registry", "VolunteerRegistered", owns=PEOPLE)
    def on_volunteer_registered(self, event):
        self._feed(event)

    @subscribe("registry", "VolunteerLeft", owns=PEOPLE)
    def on_volunteer_left(self, event):
        self._feed(event)

    @subscribe("registry", "ChildRegistered", owns=CHILDREN)
    def on_child_registered(self, event):
        self._feed(event)

    @subscribe("registry", "ChildUpdated", owns=CHILDREN)
    def on_child_updated(self, event):
        self._feed(event)

    @subscribe("registry", "ChildStatusChanged", owns=CHILDREN)
    def on_child_status_changed(self, event):
        self._feed(event)

    @subscribe("registry", "ChildTransferred", owns=CHILDREN)
    def on_child_transferred(self, event):
        self._feed(event)

    @subscribe("registry", "ContactCardIssued", owns=(st.CARDS,))
    def on_contact_card_issued(self, event):
        self._feed(event)

    # -- pairing --------------------------------------------------------------------------------------
    @subscribe("pairing", "PairingPolicyChanged", owns=PAIRING)
    def on_policy_changed(self, event):
        self._feed(event)

    @subscribe("pairing", "PriorityRecommended", owns=PAIRING)
    def on_priority_recommended(self, event):
        self._feed(event)

    @subscribe("pairing", "PriorityWithdrawn", owns=PAIRING)
    def on_priority_withdrawn(self, event):
        self._feed(event)

    @subscribe("pairing", "MentorAssigned", owns=PAIRING)
    def on_mentor_assigned(self, event):
        self._feed(event)

    @subscribe("pairing", "MentorReleased", owns=PAIRING)
    def on_mentor_released(self, event):
        self._feed(event)

    @subscribe("pairing", "BuddyPaired", owns=PAIRING)
    def on_buddy_paired(self, event):
        self._feed(event)

    @subscribe("pairing", "BuddyUnpaired", owns=PAIRING)
    def on_buddy_unpaired(self, event):
        self._feed(event)

    @subscribe("pairing", "ProxyParentAssigned", owns=PAIRING)
    def on_proxy_parent_assigned(self, event):
        self._feed(event)

    @subscribe("pairing", "ProxyParentReleased", owns=PAIRING)
    def on_proxy_parent_released(self, event):
        self._feed(event)

    @subscribe("pairing", "PairingEnded", owns=PAIRING)
    def on_pairing_ended(self, event):
        self._feed(event)

    # -- activities ---------------------------------------------------------------------------------------
    @subscribe("activities", "VisitLogged", owns=CARE)
    def on_visit_logged(self, event):
        self._feed(event)

    @subscribe("activities", "VisitRevised", owns=CARE)
    def on_visit_revised(self, event):
        self._feed(event)

    @subscribe("activities", "VisitDeleted", owns=CARE)
    def on_visit_deleted(self, event):
        self._feed(event)

    @subscribe("activities", "AidDistributed", owns=CARE)
    def on_aid_distributed(self, event):
        self._feed(event)

    @subscribe("activities", "DiaryEntryAdded", owns=GROUPS)
    def on_diary_entry_added(self, event):
        self._feed(event)

    @subscribe("activities", "DiaryEntryRevised", owns=GROUPS)
    def on_diary_entry_revised(self, event):
        self._feed(event)

    @subscribe("activities", "DiaryEntryDeleted", owns=GROUPS)
    def on_diary_entry_deleted(self, event):
        self._feed(event)

    @subscribe("activities", "ActivityScheduled", owns=GROUPS)
    def on_activity_scheduled(self, event):
        self._feed(event)

    @subscribe("activities", "ActivityCancelled", owns=GROUPS)
    def on_activity_cancelled(self, event):
        self._feed(event)

    @subscribe("activities", "ActivityHeld", owns=GROUPS)
    def on_activity_held(self, event):
        self._feed(event)

    @subscribe("activities", "AwardGranted", owns=GROUPS)
    def on_award_granted(self, event):
        self._feed(event)

    @subscribe("activities", "AwardRevoked", owns=GROUPS)
    def on_award_revoked(self, event):
        self._feed(event)

    @subscribe("activities", "AssessmentRecorded", owns=GROUPS)
    def on_assessment_recorded(self, event):
        self._feed(event)

    @subscribe("activities", "DutyRotaSet", owns=DUTY)
    def on_duty_rota_set(self, event):
        self._feed(event)

    @subscribe("activities", "DutySessionHeld", owns=DUTY)
    def on_duty_session_held(self, event):
        self._feed(event)

    @subscribe("activities", "SuppliesDistributed", owns=DUTY)
    def on_supplies_distributed(self, event):
        self._feed(event)

    @subscribe("activities", "RadioEpisodeAired", owns=DUTY)
    def on_radio_episode_aired(self, event):
        self._feed(event)

    # -- notifications --------------------------------------------------------------------------------------
    @subscribe("notifications", "NotificationSent", owns=(st.REMINDERS,))
    def on_notification_sent(self, event):
        self._feed(event)

    @subscribe("notifications", "NotificationFailed", owns=(st.REMINDERS,))
    def on_notification_failed(self, event):
        self._feed(event)
