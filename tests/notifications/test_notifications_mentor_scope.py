"""Who is a gap in mentor pairing follows the county's mentor scope (issue 10): with scope
`recommended` (pairing's default) only the classes' 典型 children are reminded about; with
`all`, every left-behind child. Recommendations and withdrawals arriving out of order end
in the latest decision."""
from datetime import timedelta

from tests.notifications.conftest import ADMIN_USER, china, china_today


def _county_with_two_children(net):
    county = net.build_county()
    net.notifications.set_county_rules({"county_id": county["county"]["id"], "by": ADMIN_USER,
                                        "changes": {"unpaired": {"after_days": 5,
                                                                 "escalate_after_days": 30}}})
    return county, net.register_child(seq=1), net.register_child(seq=2)


def _ten_days_later(net):
    today = china_today()
    net.clock.set(china(today.year, today.month, today.day, 10) + timedelta(days=10))
    net.wait_settled()


def _unpaired_reminders(net, child):
    return net.db.notifications.count_documents({"child_id": child["id"],
                                                 "rule": "unpaired"})


def test_only_recommended_children_are_gaps_by_default(network):
    net = network()
    _, recommended, other = _county_with_two_children(net)
    net.recommend(recommended)
    _ten_days_later(net)
    assert _unpaired_reminders(net, recommended) == 1
    assert _unpaired_reminders(net, other) == 0


def test_with_scope_all_every_child_is_a_gap(network):
    net = network()
    county, recommended, other = _county_with_two_children(net)
    net.recommend(recommended)
    policy = net.publish("pairing", "PairingPolicyChanged", {
        "policy_version": 2, "county_id": county["county"]["id"], "mentor_scope": "all",
        "buddy_max_children": 1, "max_mentees": 5, "min_mentees": 1,
        "priority_per_class_min": 4, "priority_per_class_max": 5, "head_teacher_first": True,
        "buddies_per_child": 1, "proxy_parent_required": False, "over_capacity_teachers": 0,
        "by": ADMIN_USER}, version=2)
    net.wait_handled(policy, "on_pairing_policy_changed")
    _ten_days_later(net)
    assert _unpaired_reminders(net, recommended) == 1
    assert _unpaired_reminders(net, other) == 1


def test_a_late_older_recommendation_does_not_undo_a_withdrawal(network):
    net = network()
    _, child, _ = _county_with_two_children(net)
    now = china(*china_today().timetuple()[:3], 9)
    net.recommend(child, withdraw=True, time=now)
    net.recommend(child, time=now - timedelta(minutes=5))  # decided earlier, delivered later
    assert net.db.priority_children.find_one({"_id": child["id"]})["recommended"] is False
    _ten_days_later(net)
    assert _unpaired_reminders(net, child) == 0
