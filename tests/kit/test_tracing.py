"""Log lines are JSON and carry the event id and type and the correlation id."""
import io
import json
import logging

import pytest

from carekit import logs
from carekit.testing.plugin import wait_for
from tests.kit.sample_services import Counter, Sampler


@pytest.fixture
def log_lines():
    buffer = io.StringIO()
    logs.configure("INFO", stream=buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]
    logs.configure("WARNING")
    logging.getLogger().handlers[0].flush()


def test_handler_logs_carry_event_and_correlation_ids(log_lines, make_config, run_service,
                                                      rpc, mongo_client):
    sampler = make_config("registry", SUBSCRIBER_MODULES="tests.kit.sample_services")
    counter = make_config("pairing")
    run_service(Sampler, sampler)
    run_service(Counter, counter)
    with rpc(sampler, context_data={"correlation_id": "trace-me"}) as proxy:
        event_id = proxy.sampler.record_thing("lg", "fail-twice")
    wait_for(lambda: mongo_client[counter["MONGO_DATABASE"]].counts.find_one({"_id": "lg"}),
             message="counted")
    retries = [line for line in log_lines() if line.get("event") == "event_retry_scheduled"]
    assert len(retries) == 2
    for line in retries:
        assert line["event_id"] == event_id
        assert line["event_type"] == "ThingRecorded"
        assert line["correlation_id"] == "trace-me"
        assert line["entrypoint"] == "on_thing_recorded"
        assert line["level"] == "warning" and "timestamp" in line
