"""The envelope is CloudEvents 1.0 (read back with the official SDK) and validated."""
import json

import pytest
from cloudevents.core.formats.json import JSONFormat

from carekit.events.envelope import InvalidEvent, encode, new_envelope, parse
from tests.kit.sample_services import ThingRecordedV1  # noqa: F401  (registers the contract)


def test_official_sdk_reads_our_envelope():
    envelope = new_envelope("sampler", "ThingRecorded", {"thing_id": "t1", "label": "书"},
                            subject="t1", correlation_id="corr-1")
    event = JSONFormat().read(None, encode(envelope))  # the SDK validates every attribute
    assert event.get_specversion() == "1.0"
    assert event.get_id() == envelope["id"]
    assert event.get_type() == "org.care-network.ThingRecorded.v1"
    assert event.get_source() == "/care-network/sampler"
    assert event.get_subject() == "t1"
    assert event.get_time() is not None
    assert event.get_extension("correlationid") == "corr-1"
    assert event.get_data() == {"thing_id": "t1", "label": "书"}
    assert parse(encode(envelope)).data == {"thing_id": "t1", "label": "书"}


def test_invalid_data_is_refused_before_it_leaves():
    with pytest.raises(InvalidEvent) as info:
        new_envelope("sampler", "ThingRecorded", {"thing_id": "", "label": 3})
    assert info.value.code == "invalid_data"
    assert {e["field"] for e in info.value.errors} == {"data.thing_id", "data.label"}


@pytest.mark.parametrize("body, code", [
    (b"\xff\xfe", "not_json"),
    ("{oops", "not_json"),
    ("[1, 2]", "not_envelope"),
    (json.dumps({"specversion": "1.0", "type": "org.care-network.ThingRecorded.v1"}),
     "not_envelope"),
    (json.dumps({"specversion": "1.0", "id": "x", "source": "/s", "time": "2026-01-01T00:00:00Z",
                 "type": "org.care-network.ThingRecorded.v9", "data": {}}), "unknown_version"),
    (json.dumps({"specversion": "1.0", "id": "x", "source": "/s", "time": "2026-01-01T00:00:00Z",
                 "type": "org.care-network.Nope.v1", "data": {}}), "unknown_type"),
    (json.dumps({"specversion": "1.0", "id": "x", "source": "/s", "time": "2026-01-01T00:00:00Z",
                 "type": "org.care-network.ThingRecorded.v1", "data": {"thing_id": "t"}}),
     "invalid_data"),
])
def test_parse_names_what_is_wrong(body, code):
    with pytest.raises(InvalidEvent) as info:
        parse(body)
    assert info.value.code == code
