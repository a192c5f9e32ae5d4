"""The pairing demo on top of the registry's demo county, end to end: registry RPCs and
events -> pairing's projection -> the county policy, recommendations and plans."""
from pairing import demo as pairing_demo
from pairing.service import PairingService
from registry import demo as registry_demo
from registry.service import RegistryService


def test_demo_county_gets_a_policy_recommendations_and_applied_plans(run_service, rpc,
                                                                      make_config):
    registry_config = make_config("registry", SUBSCRIBER_MODULES="pairing.service")
    pairing_config = make_config("pairing", SUBSCRIBER_MODULES="pairing.service")
    run_service(PairingService, pairing_config)
    run_service(RegistryService, registry_config)
    with rpc(registry_config, context_data={"user_id": "demo"}) as proxy:
        registry_demo.load(proxy.registry, rows=24)
        summary = pairing_demo.load(proxy.registry, proxy.pairing)
        assert "mentors" in summary
        county = next(c for c in proxy.registry.list_counties() if c["code"] == "430124")
        policy = proxy.pairing.get_policy({"county_id": county["id"]})
        assert (policy["version"], policy["mentor_scope"]) == (1, "recommended")
        for school in pairing_demo._items(proxy.registry.list_schools({"county_id": county["id"]})):
            cover = proxy.pairing.coverage({"school_id": school["id"]})
            lists = proxy.pairing.recommended_children({"school_id": school["id"]})["items"]
            assert lists and all(1 <= len(r["child_ids"]) <= 5 for r in lists)
            assert cover["in_mentor_scope"] == cover["recommended"] > 0
            assert cover["with_mentor"] == min(cover["in_mentor_scope"], 3 * len(
                proxy.pairing.teacher_load({"school_id": school["id"]})["items"]))
            assert cover["with_enough_buddies"] > 0
        assert "nothing to do" in pairing_demo.load(proxy.registry, proxy.pairing)
