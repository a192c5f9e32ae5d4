"""Assessment dimensions (issue 10): 礼貌 manners, 自理 self-care, 自立自强 independence rated
per term beside grades and behaviour; the change term on term per child and per dimension
for a school or class ("待人接物礼貌了, 自立、自主、自强了")."""
from tests.activities.support import published


def assess(world, school, child, term, **dimensions):
    return world.call("record_assessment", {"child_id": child, "term": term,
                                            "dimensions": dimensions,
                                            "recorded_by": school.teacher_ids[0]})


def test_dimensions_per_term_and_their_change(world, school):
    c = school.child_ids
    assess(world, school, c[0], "2024-2025-2", manners="fair", self_care="poor",
           independence="fair")
    second = assess(world, school, c[0], "2025-2026-1", manners="good", self_care="good",
                    independence="fair")
    assert second["dimension_labels"] == {"manners": "良", "self_care": "良",
                                          "independence": "中"}
    event = published(world, "AssessmentRecorded", assessment_id=second["id"])[0]
    assert event["dataschema"].endswith(":v2")
    assert event["data"]["dimensions"] == {"manners": "good", "self_care": "good",
                                           "independence": "fair"}
    terms = world.call("assessments_of", {"child_id": c[0]})["terms"]
    assert terms[1]["dimension_changes"] == {"manners": 1, "self_care": 2, "independence": 0}
    # child 2 (class 0 too): rated only this term, and only manners: no change to count
    assess(world, school, c[2], "2025-2026-1", manners="excellent")
    # child 1 (class 1): manners got worse
    assess(world, school, c[1], "2024-2025-2", manners="good")
    assess(world, school, c[1], "2025-2026-1", manners="fair")
    school_wide = world.call("dimension_progress", {"school_id": school.school_id,
                                                    "term": "2025-2026-1", "limit": 2})
    assert school_wide["children_assessed"] == 3
    assert {d: (v["improved"], v["same"], v["declined"])
            for d, v in school_wide["summary"].items()} == {
        "manners": (1, 0, 1), "self_care": (1, 0, 0), "independence": (0, 1, 0)}
    assert len(school_wide["children"]) == 2 and school_wide["next_cursor"]
    rest = world.call("dimension_progress", {"school_id": school.school_id,
                                             "term": "2025-2026-1",
                                             "cursor": school_wide["next_cursor"]})
    assert len(rest["children"]) == 1 and rest["next_cursor"] is None
    one_class = world.call("dimension_progress", {"class_id": school.class_ids[0],
                                                  "term": "2025-2026-1"})
    assert sorted(r["child_id"] for r in one_class["children"]) == sorted([c[0], c[2]])
    newcomer = [r for r in one_class["children"] if r["child_id"] == c[2]][0]
    assert newcomer["previous_term"] is None and newcomer["changes"] == {}


def test_bad_dimensions_are_refused(world, school):
    c = school.child_ids[0]
    base = {"child_id": c, "term": "2025-2026-1", "recorded_by": school.teacher_ids[0]}
    cases = [({"dimensions": {"manners": "great"}}, ("dimensions.manners", "not_allowed")),
             ({"dimensions": {"height": "good"}}, ("dimensions.height", "unknown_field")),
             ({"dimensions": {}}, ("scores", "required"))]
    for change, expected in cases:
        error = world.error("record_assessment", dict(base, **change))
        assert expected in [(e["field"], e["code"]) for e in error["errors"]], error
    assert world.error("dimension_progress", {"term": "2025-2026-1"})["errors"][0][
        "code"] == "one_selector"
    assert world.error("dimension_progress", {"school_id": school.school_id,
                                              "term": "2025"})["errors"][0]["field"] == "term"
    assert world.db.assessments.count_documents({"child_id": c}) == 0
