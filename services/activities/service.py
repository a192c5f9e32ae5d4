"""The activities service (DESIGN.md §2-3): care records, growth diaries, group activities
with attendance and duty rota, aid, honours and assessments; its projection of registry and
pairing events. Thin: every RPC validates its one argument with marshmallow and hands over
to a domain module; every handler hands over to `projection`."""

from activities import (care, diary, duty, groups, honours, projection, radio, rota,
                        storage, supplies, timeline)
from activities import schemas as s
from carekit.contracts import pairing, registry  # noqa: F401  (registers what we consume)
from carekit.rpc import load_arguments, rpc
from carekit.events.handler import subscribe
from carekit.events.outbox import Outbox
from carekit.mongo import Database
from carekit.service import CareService


def load(schema_cls, payload):
    """The RPC's one payload through its schema, then screened (carekit.rpc): no operator,
    `$`- or dotted key, invalid UTF-8 or runaway nesting reaches the service; errors name
    the payload's fields."""
    return load_arguments({"payload": schema_cls}, {"payload": payload})["payload"]


class ActivitiesService(CareService):
    name = "activities"
    db = Database(indexes=storage.INDEXES)
    outbox = Outbox(carriers=storage.CARRIERS)

    # -- care records ----------------------------------------------------------------------
    @rpc
    def log_care_record(self, payload):
        return care.log(self.db, self.outbox, load(s.LogCareRecordSchema, payload))

    @rpc
    def revise_care_record(self, payload):
        return care.revise(self.db, self.outbox,
                           load(s.ReviseCareRecordSchema, payload))

    @rpc
    def delete_care_record(self, payload):
        return care.delete(self.db, self.outbox,
                           load(s.DeleteCareRecordSchema, payload))

    @rpc
    def complete_follow_up(self, payload):
        return care.complete_follow_up(self.db, self.outbox,
                                       load(s.CompleteFollowUpSchema, payload))

    @rpc
    def get_care_record(self, payload):
        data = load(s.GetByIdSchema, payload)
        return care.get(self.db, data["id"], data["with_history"])

    # -- growth diary ----------------------------------------------------------------------
    @rpc
    def add_diary_entry(self, payload):
        return diary.add(self.db, self.outbox, load(s.AddDiaryEntrySchema, payload))

    @rpc
    def revise_diary_entry(self, payload):
        return diary.revise(self.db, self.outbox,
                            load(s.ReviseDiaryEntrySchema, payload))

    @rpc
    def delete_diary_entry(self, payload):
        return diary.delete(self.db, self.outbox,
                            load(s.DeleteDiaryEntrySchema, payload))

    @rpc
    def get_diary_entry(self, payload):
        data = load(s.GetByIdSchema, payload)
        return diary.get(self.db, data["id"], data["with_history"])

    # -- group activities and duty rota ------------------------------------------------------
    @rpc
    def schedule_activity(self, payload):
        return groups.schedule(self.db, self.outbox,
                               load(s.ScheduleActivitySchema, payload))

    @rpc
    def reschedule_activity(self, payload):
        return groups.reschedule(self.db, self.outbox,
                                 load(s.RescheduleActivitySchema, payload))

    @rpc
    def cancel_activity(self, payload):
        return groups.cancel(self.db, self.outbox,
                             load(s.CancelActivitySchema, payload))

    @rpc
    def record_attendance(self, payload):
        return groups.record_attendance(self.db, self.outbox,
                                        load(s.RecordAttendanceSchema, payload))

    @rpc
    def get_activity(self, payload):
        data = load(s.GetByIdSchema, payload)
        return groups.get(self.db, data["id"], data["with_history"])

    @rpc
    def activity_calendar(self, payload):
        return groups.calendar(self.db, load(s.CalendarSchema, payload))

    @rpc
    def distribute_supplies(self, payload):
        return supplies.distribute(self.db, self.outbox,
                                   load(s.DistributeSuppliesSchema, payload))

    @rpc
    def get_supplies_distribution(self, payload):
        return supplies.get(self.db, load(s.ActivitySchema, payload)["activity_id"])

    @rpc
    def supplies_distributions(self, payload):
        return supplies.of_school(self.db, load(s.SchoolPeriodPageSchema, payload))

    @rpc
    def set_duty_rota(self, payload):
        return rota.set_rota(self.db, self.outbox,
                             load(s.SetDutyRotaSchema, payload))

    @rpc
    def get_duty_rota(self, payload):
        data = load(s.OnDutySchema, payload)
        return rota.get_rota(self.db, data["school_id"], data["date"])

    @rpc
    def on_duty(self, payload):
        data = load(s.OnDutySchema, payload)
        return rota.on_duty(self.db, data["school_id"], data["date"])

    @rpc
    def swap_duty(self, payload):
        return duty.swap(self.db, self.outbox, load(s.SwapDutySchema, payload))

    @rpc
    def record_duty_session(self, payload):
        return duty.record_session(self.db, self.outbox,
                                   load(s.RecordDutySessionSchema, payload))

    @rpc
    def duty_sessions(self, payload):
        return duty.sessions(self.db, load(s.DutySessionsSchema, payload))

    # -- school radio ----------------------------------------------------------------------------
    @rpc
    def set_radio_programme(self, payload):
        return radio.set_programme(self.db, self.outbox,
                                   load(s.SetRadioProgrammeSchema, payload))

    @rpc
    def record_radio_episode(self, payload):
        return radio.record_episode(self.db, self.outbox,
                                    load(s.RecordRadioEpisodeSchema, payload))

    @rpc
    def radio_programmes(self, payload):
        return radio.programmes(self.db, load(s.SchoolPageSchema, payload))

    @rpc
    def radio_episodes(self, payload):
        return radio.episodes(self.db, load(s.ProgrammePageSchema, payload))

    # -- honours and outcomes -----------------------------------------------------------------
    @rpc
    def grant_award(self, payload):
        return honours.grant_award(self.db, self.outbox,
                                   load(s.GrantAwardSchema, payload))

    @rpc
    def revoke_award(self, payload):
        return honours.revoke_award(self.db, self.outbox,
                                    load(s.RevokeAwardSchema, payload))

    @rpc
    def list_awards(self, payload):
        return honours.awards(self.db, load(s.AwardsQuerySchema, payload))

    @rpc
    def record_assessment(self, payload):
        return honours.record_assessment(self.db, self.outbox,
                                         load(s.RecordAssessmentSchema, payload))

    @rpc
    def assessments_of(self, payload):
        data = load(s.ChildSchema, payload)
        return honours.assessments_of(self.db, data["child_id"])

    @rpc
    def dimension_progress(self, payload):
        return honours.dimension_progress(self.db,
                                          load(s.DimensionProgressSchema, payload))

    # -- queries -----------------------------------------------------------------------------
    @rpc
    def timeline(self, payload):
        return timeline.timeline(self.db, load(s.TimelineSchema, payload))

    @rpc
    def last_contacts(self, payload):
        return timeline.last_contacts(self.db, load(s.LastContactsSchema, payload))

    @rpc
    def flagged_records(self, payload):
        return timeline.flagged_records(self.db,
                                        load(s.FlaggedRecordsSchema, payload))

    # -- projection: registry ---------------------------------------------------------------
    @subscribe("registry", "ChildRegistered")
    def on_child_registered(self, event):
        projection.apply_child(self.db, event.data, registered_on=event.data["registered_on"])

    @subscribe("registry", "ChildUpdated")
    def on_child_updated(self, event):
        projection.apply_child(self.db, event.data)

    @subscribe("registry", "ChildStatusChanged")
    def on_child_status_changed(self, event):
        projection.apply_child(self.db, event.data)

    @subscribe("registry", "ChildTransferred")
    def on_child_transferred(self, event):
        projection.apply_child(self.db, event.data)

    @subscribe("registry", "StaffRegistered")
    def on_staff_registered(self, event):
        projection.apply(self.db, "staff", event.data)

    @subscribe("registry", "StaffUpdated")
    def on_staff_updated(self, event):
        projection.apply(self.db, "staff", event.data)

    @subscribe("registry", "StaffLeft")
    def on_staff_left(self, event):
        projection.apply(self.db, "staff", event.data)

    @subscribe("registry", "VolunteerRegistered")
    def on_volunteer_registered(self, event):
        projection.apply(self.db, "volunteer", event.data)

    @subscribe("registry", "VolunteerLeft")
    def on_volunteer_left(self, event):
        projection.apply(self.db, "volunteer", event.data)

    @subscribe("registry", "ClassCreated")
    def on_class_created(self, event):
        projection.apply(self.db, "class", event.data)

    @subscribe("registry", "ClassUpdated")
    def on_class_updated(self, event):
        projection.apply(self.db, "class", event.data)

    @subscribe("registry", "SchoolRegistered")
    def on_school_registered(self, event):
        projection.apply(self.db, "school", event.data)

    # -- projection: pairing ----------------------------------------------------------------
    @subscribe("pairing", "MentorAssigned")
    def on_mentor_assigned(self, event):
        projection.pairing_started(self.db, "mentor", event.data)

    @subscribe("pairing", "MentorReleased")
    def on_mentor_released(self, event):
        projection.pairing_ended(self.db, "mentor", event.data)

    @subscribe("pairing", "ProxyParentAssigned")
    def on_proxy_parent_assigned(self, event):
        projection.pairing_started(self.db, "proxy_parent", event.data)

    @subscribe("pairing", "ProxyParentReleased")
    def on_proxy_parent_released(self, event):
        projection.pairing_ended(self.db, "proxy_parent", event.data)
