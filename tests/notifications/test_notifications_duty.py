"""Today's duty (轮流值日) from the activities service's rota events: the staff on today's slot
are reminded in the morning; a swap (代班) for today reminds the substitute instead."""
from tests.notifications.conftest import ADMIN_USER, china, china_today


def test_the_rota_reminds_whoever_is_on_duty_today_substitute_included(network):
    net = network()
    county = net.build_county()
    school_id = county["school"]["id"]
    head, mentor, admin = (county["staff"][k] for k in ("head", "mentor", "admin"))
    for staff in (head, mentor, admin):
        net.notifications.set_preferences({"recipient_type": "staff", "recipient_id": staff["id"],
                                           "channels": ["inbox"], "by": ADMIN_USER})
    today = china_today()
    rota = net.publish("activities", "DutyRotaSet", {
        "school_id": school_id, "revision": 1, "effective_from": today.isoformat(),
        "set_by": admin["id"], "slots": [
            {"weekday": today.isoweekday(), "period": "after_school",
             "staff_ids": [head["id"], mentor["id"]], "activities": ["reading"]}]})
    swap = net.publish("activities", "DutySwapped", {
        "swap_id": "swap-1", "revision": 1, "school_id": school_id,
        "duty_date": today.isoformat(), "period": "after_school", "staff_id": head["id"],
        "substitute_id": admin["id"], "by": admin["id"]})
    net.wait_handled(rota, "on_duty_rota_set")
    net.wait_handled(swap, "on_duty_swapped")
    net.clock.set(china(today.year, today.month, today.day, 8))
    net.wait_settled()
    titles = {key: [i["title"] for i in net.inbox(staff)["items"]]
              for key, staff in (("head", head), ("mentor", mentor), ("admin", admin))}
    assert titles == {"head": [], "mentor": ["【值日】今天下午课后轮到您值日"],
                      "admin": ["【值日】今天下午课后轮到您值日"]}
