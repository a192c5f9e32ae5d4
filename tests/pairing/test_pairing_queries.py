"""Lists are scoped and paged: each page at most `limit` items, a cursor to the next, every
item exactly once across the pages, a forged cursor refused."""
import pytest

from carekit.errors import ValidationFailed
from carekit.paging import encode_cursor


def all_pages(fetch, limit):
    pages, cursor = [], None
    while True:
        answer = fetch(dict(limit=limit, cursor=cursor))
        assert len(answer["items"]) <= limit
        pages.append(answer["items"])
        cursor = answer["next_cursor"]
        if cursor is None:
            return pages


def test_pairings_of_a_school_page_through_every_pairing_once(world):
    teachers, kids = world.school(teachers=4, children=11)
    for i, kid in enumerate(kids):
        world.desk.assign_mentor({"child_id": kid, "teacher_id": teachers[i % 4],
                                  "replace": False})
    world.desk.release("mentor", {"pairing_id": world.store.pairings.active(child_id=kids[0])[
        0].pairing_id, "reason": "other"})
    pages = all_pages(lambda p: world.queries.pairings(dict(p, school_id="s1")), 4)
    seen = [item["child_id"] for page in pages for item in page]
    assert [len(page) for page in pages] == [4, 4, 2] and seen == sorted(kids[1:])
    with_ended = all_pages(lambda p: world.queries.pairings(dict(
        p, school_id="s1", include_ended=True)), 3)
    assert sum(len(page) for page in with_ended) == 11


def test_unpaired_and_loads_page_in_their_order(world):
    teachers, kids = world.school(teachers=5, children=9)
    world.policy(mentor_scope="all")
    pages = all_pages(lambda p: world.queries.unpaired(dict(p, school_id="s1")), 4)
    assert [c["child_id"] for page in pages for c in page] == sorted(kids)
    loads = all_pages(lambda p: world.queries.teacher_load(dict(p, school_id="s1")), 2)
    assert [t["teacher_id"] for page in loads for t in page] == sorted(teachers)


@pytest.mark.parametrize("cursor", ["not-base64!", encode_cursor(("a",)), encode_cursor((1, 2)),
                                    encode_cursor(([], "x")), "e30", "W3siJGd0IjoiIn0sIngiXQ"])
def test_a_cursor_this_service_did_not_hand_out_is_refused(world, cursor):
    world.school(children=2)
    with pytest.raises(ValidationFailed) as info:
        world.queries.unpaired({"school_id": "s1", "cursor": cursor, "limit": 5})
    assert [(e["field"], e["code"]) for e in info.value.errors] == [("cursor", "bad_cursor")]
    with pytest.raises(ValidationFailed):
        world.queries.pairings({"school_id": "s1", "cursor": cursor, "limit": 5})
