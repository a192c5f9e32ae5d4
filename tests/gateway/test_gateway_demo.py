"""The demo county loads through the services, loading it again adds nothing, and every
demo login works through the API and sees its part of the county."""
from gateway.demo import spec
from gateway.demo.steps import Demo, load

COUNTED = {"registry": ["children", "staff", "volunteers", "classes", "schools"],
           "pairing": ["plans"],
           "activities": ["care_records", "diary_entries", "group_activities", "awards",
                          "assessments"],
           "gateway": ["accounts"]}


def stored(world):
    counts = {}
    for service, collections in COUNTED.items():
        db = world.mongo[world.configs[service]["MONGO_DATABASE"]]
        for name in collections:
            counts["{}.{}".format(service, name)] = db[name].count_documents({})
    schools = world.mongo[world.configs["registry"]["MONGO_DATABASE"]].schools.find({}, {"_id": 1})
    counts["pairing.active pairings"] = sum(
        len(world.rpc.pairing.pairings({"school_id": s["_id"], "limit": 500})["items"])
        for s in schools)
    return counts


def test_demo_county_loads_once_and_every_login_works(empty_world):
    world = empty_world
    first = load(Demo(world.rpc, world.accounts, log=lambda line: None, scale=0.2))
    assert first["schools"] == len(spec.SCHOOLS) and first["children"] >= 40
    assert first["mentor pairings"] and first["care records"] and first["activities held"]
    assert first["accounts"] == len(spec.LOGINS)
    before = stored(world)
    assert before["activities.care_records"] == first["care records"]

    again = load(Demo(world.rpc, world.accounts, log=lambda line: None, scale=0.2))
    assert stored(world) == before, "a second load added something"
    assert not {k: v for k, v in again.items() if v}, again

    for username, role, _ in spec.LOGINS:
        client = world.client(username, spec.PASSWORD)
        assert client.get("/api/session").json()["account"]["role"] == role
    county = world.client("county.admin", spec.PASSWORD)
    schools = county.get("/api/schools").json()["items"]
    assert {s["code"] for s in schools} == {s.code for s in spec.SCHOOLS}
    first_school = [s for s in schools if s["code"] == spec.SCHOOLS[0].code][0]
    teacher = world.client("teacher", spec.PASSWORD)
    home = teacher.get("/api/me/children").json()["items"]
    mentees = [c for c in home if "mentee" in c["relations"]]
    assert mentees and all(c["last_contact"] for c in mentees)
    timeline = teacher.get("/api/children/{}/timeline".format(mentees[0]["id"])).json()
    assert {item["type"] for item in timeline["items"]} >= {"care_record", "diary"}
    volunteer = world.client("volunteer", spec.PASSWORD).get("/api/me/children").json()
    assert volunteer["items"] and all("proxy_child" in c["relations"]
                                      for c in volunteer["items"])
    coverage = world.client("analyst", spec.PASSWORD).get(
        "/api/schools/{}/coverage".format(first_school["id"])).json()
    assert coverage["with_mentor"] > 0
